/* The default parse budget against its two reference inputs, built in memory (never committed):
 *  - a model-zoo init net of the real AlexNet size: 16 GivenTensorFill ops with AlexNet's
 *    parameter shapes, `values` as unpacked floats (~5 bytes per float, 304.8 MB in all, like
 *    the zoo's 304,827,063-byte init_net.pb): must load with the default limits;
 *  - 2 MB of empty `op {}` records: must be refused.
 * Each test also measures what protobuf-c asks for (a counting allocator) and prints it with the
 * time and the peak RSS, which README.md quotes. Needs ~2.5 GB of memory; run it in a normal
 * build (the sanitizer pass of .ci/run leaves this suite out). */
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <c2rt/proto.h>

#include "test_util.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

/* An allocator that remembers sizes, to measure protobuf-c's total and peak requests. */
typedef struct counter {
  uint64_t total, live, peak;
} counter;

static void *count_alloc(void *data, size_t size) {
  counter *c = data;
  size_t *p = malloc(size + 16);
  if (!p) return NULL;
  p[0] = size;
  c->total += size;
  c->live += size;
  if (c->live > c->peak) c->peak = c->live;
  return (char *)p + 16;
}

static void count_free(void *data, void *ptr) {
  counter *c = data;
  if (!ptr) return;
  size_t *p = (size_t *)((char *)ptr - 16);
  c->live -= p[0];
  free(p);
}

static counter measure(const uint8_t *bytes, size_t len) {
  counter c = {0, 0, 0};
  ProtobufCAllocator alloc = {count_alloc, count_free, &c};
  ProtobufCMessage *msg = protobuf_c_message_unpack(&caffe2__net_def__descriptor, &alloc, len, bytes);
  ck_assert_ptr_nonnull(msg);
  protobuf_c_message_free_unpacked(msg, &alloc);
  return c;
}

/* AlexNet's 16 parameter blobs (Caffe2 zoo bvlc_alexnet): 60,965,224 floats. */
static const struct {
  const char *name;
  int ndim;
  int64_t dims[4];
} alexnet_params[] = {
    {"conv1_w", 4, {96, 3, 11, 11}}, {"conv1_b", 1, {96}},
    {"conv2_w", 4, {256, 48, 5, 5}}, {"conv2_b", 1, {256}},
    {"conv3_w", 4, {384, 256, 3, 3}}, {"conv3_b", 1, {384}},
    {"conv4_w", 4, {384, 192, 3, 3}}, {"conv4_b", 1, {384}},
    {"conv5_w", 4, {256, 192, 3, 3}}, {"conv5_b", 1, {256}},
    {"fc6_w", 2, {4096, 9216}}, {"fc6_b", 1, {4096}},
    {"fc7_w", 2, {4096, 4096}}, {"fc7_b", 1, {4096}},
    {"fc8_w", 2, {1000, 4096}}, {"fc8_b", 1, {1000}},
};
#define N_PARAMS (sizeof alexnet_params / sizeof *alexnet_params)

static uint8_t *zoo_init_net(size_t *len, uint64_t *n_floats) {
  c2_error err;
  c2_netdef *net;
  EXPECT_OK(c2_netdef_new("bvlc_alexnet_init", &net, &err), &err);
  *n_floats = 0;
  for (size_t k = 0; k < N_PARAMS; k++) {
    int64_t n = 1;
    for (int d = 0; d < alexnet_params[k].ndim; d++) n *= alexnet_params[k].dims[d];
    float *values = malloc((size_t)n * sizeof *values);
    for (int64_t i = 0; i < n; i++) values[i] = (float)((i % 1999) - 999) * 1e-4f;
    const char *out[] = {alexnet_params[k].name};
    c2_opdef *op;
    EXPECT_OK(c2_opdef_new("GivenTensorFill", 0, NULL, 1, out, &op, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", alexnet_params[k].dims,
                                    (size_t)alexnet_params[k].ndim, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_floats(op, "values", values, (size_t)n, &err), &err);
    free(values);
    EXPECT_OK(c2_netdef_add_op_take(net, op, &err), &err);
    *n_floats += (uint64_t)n;
  }
  uint8_t *bytes;
  EXPECT_OK(c2_netdef_pack(net, &bytes, len, &err), &err);
  c2_netdef_free(net);
  return bytes;
}

static uint64_t default_allowance(size_t len) {
  c2_load_limits l = c2_load_limits_default();
  return l.alloc_slack + (uint64_t)len * l.alloc_per_byte;
}

START_TEST(test_zoo_init_net_loads) {
  size_t len;
  uint64_t n_floats;
  uint8_t *bytes = zoo_init_net(&len, &n_floats);
  ck_assert_uint_eq(n_floats, 60965224);
  /* within 0.1% of the zoo file's 304,827,063 bytes */
  ck_assert_msg(len > 304500000 && len < 305100000, "init net is %zu bytes", len);
  c2_error err;
  c2_netdef *net;
  double rss_before = peak_rss_mb();
  double t0 = now();
  EXPECT_OK(c2_netdef_parse(bytes, len, NULL, &net, &err), &err);
  double t_parse = now() - t0;
  double rss_parse = peak_rss_mb();
  ck_assert_uint_eq(c2_netdef_num_ops(net), N_PARAMS);
  char value[64];
  ck_assert_str_eq(c2_opdef_arg_string(c2_netdef_op(net, 10), 0, value, sizeof value),
                   "ints: [4096, 9216]");
  c2_netdef_free(net);
  counter c = measure(bytes, len);
  printf("zoo init net: %zu bytes, %llu floats; protobuf-c requests %.2f GB in total (%.2f bytes "
         "per input byte), peak %.2f GB live (%.2f per byte); default allowance %.2f GB; "
         "guarded parse %.2f s, process peak RSS %.0f MB before it (building the input) and %.0f MB "
         "after\n",
         len, (unsigned long long)n_floats, (double)c.total / 1e9, (double)c.total / (double)len,
         (double)c.peak / 1e9, (double)c.peak / (double)len, (double)default_allowance(len) / 1e9,
         t_parse, rss_before, rss_parse);
  fflush(stdout);
  ck_assert_uint_le(c.total, default_allowance(len));
  c2_free(bytes);
}
END_TEST

START_TEST(test_empty_ops_refused) {
  size_t count = 1000000, len = 2 * count;
  uint8_t *bytes = malloc(len);
  for (size_t i = 0; i < count; i++) bytes[2 * i] = 0x12, bytes[2 * i + 1] = 0x00;
  counter c = measure(bytes, len);
  printf("2 MB of empty ops: protobuf-c requests %.1f MB in total (%.1f bytes per input byte); "
         "default allowance %.1f MB\n",
         (double)c.total / 1e6, (double)c.total / (double)len,
         (double)default_allowance(len) / 1e6);
  fflush(stdout);
  c2_error err;
  c2_netdef *net;
  EXPECT_STATUS(c2_netdef_parse(bytes, len, NULL, &net, &err), C2_ERR_LIMIT, &err,
                "NetDef of 2000000 bytes needs more than the 48777216 bytes of memory allowed");
  ck_assert_uint_gt(c.total, default_allowance(len));
  free(bytes);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("budget");
  TCase *tc = tcase_create("budget");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_zoo_init_net_loads);
  tcase_add_test(tc, test_empty_ops_refused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
