#include "tool_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools_config.h"

_Noreturn void tool_fail(const char *tool, const char *fmt, ...) {
  char msg[C2_ERROR_MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* One line, whatever the message holds. */
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  fprintf(stderr, "%s: %s\n", tool, msg);
  exit(1);
}

_Noreturn void tool_fail_err(const char *tool, const c2_error *err) {
  tool_fail(tool, "%s", err->message[0] ? err->message : c2_status_string(err->code));
}

static bool has_proto(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/caffe2.proto", dir);
  struct stat st;
  return stat(path, &st) == 0;
}

const char *tool_proto_dir(void) {
  const char *env = getenv("C2RT_PROTO_DIR");
  if (env && *env && has_proto(env)) return env;
  if (has_proto(C2RT_SOURCE_PROTO_DIR)) return C2RT_SOURCE_PROTO_DIR;
  if (has_proto(C2RT_INSTALLED_PROTO_DIR)) return C2RT_INSTALLED_PROTO_DIR;
  return NULL;
}

/* Writes all of buf to fd; false on error. */
static bool write_all(int fd, const uint8_t *buf, size_t len) {
  while (len) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf += n;
    len -= (size_t)n;
  }
  return true;
}

c2_status tool_protoc(bool encode, const char *type, const uint8_t *in, size_t in_len,
                      uint8_t **out, size_t *out_len, c2_error *err) {
  const char *dir = tool_proto_dir();
  if (!dir)
    return c2_error_set(err, C2_ERR_NOT_FOUND,
                        "caffe2.proto not found (set C2RT_PROTO_DIR to the folder holding it)");
  char mode[256], include[4200];
  snprintf(mode, sizeof mode, "--%s=%s", encode ? "encode" : "decode", type);
  snprintf(include, sizeof include, "--proto_path=%s", dir);
  /* The input goes through a temporary file so that a large input cannot deadlock the pipes. */
  char tmpl[] = "/tmp/c2rt-protoc-XXXXXX";
  int in_fd = mkstemp(tmpl);
  if (in_fd < 0) return c2_error_set(err, C2_ERR_IO, "cannot create a temporary file");
  unlink(tmpl);
  if (!write_all(in_fd, in, in_len) || lseek(in_fd, 0, SEEK_SET) != 0) {
    close(in_fd);
    return c2_error_set(err, C2_ERR_IO, "cannot write a temporary file");
  }
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0) {
    close(in_fd);
    return c2_error_set(err, C2_ERR_IO, "cannot create a pipe");
  }
  if (pipe(err_pipe) != 0) {
    close(in_fd);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return c2_error_set(err, C2_ERR_IO, "cannot create a pipe");
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    execlp("protoc", "protoc", mode, include, "caffe2.proto", (char *)NULL);
    _exit(127);
  }
  close(in_fd);
  close(out_pipe[1]);
  close(err_pipe[1]);
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  for (bool ok = buf != NULL; ok;) {
    if (len == cap) {
      uint8_t *grown = realloc(buf, cap * 2);
      if (!grown) break;
      buf = grown;
      cap *= 2;
    }
    ssize_t n = read(out_pipe[0], buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
  }
  char diag[512] = {0};
  ssize_t dn = read(err_pipe[0], diag, sizeof diag - 1);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  if (pid < 0 || !buf || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    free(buf);
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
      return c2_error_set(err, C2_ERR_NOT_FOUND, "protoc not found (install protobuf-compiler)");
    if (dn > 0) {
      diag[dn] = '\0';
      char *nl = strchr(diag, '\n');
      if (nl) *nl = '\0';
    }
    return c2_error_set(err, C2_ERR_PARSE, "protoc --%s failed: %s", encode ? "encode" : "decode",
                        dn > 0 ? diag : "no message");
  }
  *out = buf;
  *out_len = len;
  return C2_OK;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

c2_status tool_load_net(const char *path, c2_netdef **out, c2_error *err) {
  if (!(ends_with(path, ".pbtxt") || ends_with(path, ".prototxt") || ends_with(path, ".txt")))
    return c2_netdef_load_file(path, NULL, out, err);
  uint8_t *text;
  size_t text_len;
  c2_status st = c2_read_file(path, NULL, &text, &text_len, err);
  if (st) return st;
  uint8_t *bytes = NULL;
  size_t len = 0;
  st = tool_protoc(true, "caffe2.NetDef", text, text_len, &bytes, &len, err);
  c2_free(text);
  if (!st) st = c2_netdef_parse(bytes, len, NULL, out, err);
  free(bytes);
  if (st) c2_error_prefix(err, "%s: ", path);
  return st;
}

/* ---- printing ---- */

/* Shortest decimal that reads back as the same float (what numpy prints for float32). */
static void print_float(FILE *f, float v) {
  char buf[32];
  for (int digits = 1; digits <= 9; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, (double)v);
    if (strtof(buf, NULL) == v) break;
  }
  fputs(buf, f);
}

static void print_value(FILE *f, const c2_tensor *t, int64_t i) {
  const void *d = c2_tensor_data_const(t);
  switch (c2_tensor_dtype(t)) {
    case C2_DTYPE_FLOAT: print_float(f, ((const float *)d)[i]); break;
    case C2_DTYPE_DOUBLE: fprintf(f, "%.17g", ((const double *)d)[i]); break;
    case C2_DTYPE_INT32: fprintf(f, "%" PRId32, ((const int32_t *)d)[i]); break;
    case C2_DTYPE_INT64: fprintf(f, "%" PRId64, ((const int64_t *)d)[i]); break;
    case C2_DTYPE_INT16: fprintf(f, "%d", ((const int16_t *)d)[i]); break;
    case C2_DTYPE_INT8: fprintf(f, "%d", ((const int8_t *)d)[i]); break;
    case C2_DTYPE_UINT16:
    case C2_DTYPE_FLOAT16: fprintf(f, "%u", ((const uint16_t *)d)[i]); break;
    case C2_DTYPE_BOOL: fprintf(f, "%s", ((const uint8_t *)d)[i] ? "True" : "False"); break;
    default: fprintf(f, "%u", ((const uint8_t *)d)[i]); break;
  }
}

/* Nested brackets as numpy prints them; rows longer than 8 and more than 6 sub-blocks are
 * summarised with "...". */
static void print_block(FILE *f, const c2_tensor *t, int dim, int64_t offset, int indent) {
  int ndim = c2_tensor_ndim(t);
  int64_t n = c2_tensor_dim(t, dim);
  int64_t stride = 1;
  for (int k = dim + 1; k < ndim; k++) stride *= c2_tensor_dim(t, k);
  bool summarise = c2_tensor_numel(t) > 1000 && n > 6;
  fputc('[', f);
  for (int64_t i = 0; i < n; i++) {
    if (summarise && i == 3) {
      fprintf(f, dim + 1 == ndim ? "... " : "...\n%*s", dim + 1 == ndim ? 0 : indent + 1, "");
      i = n - 3;
    }
    if (dim + 1 == ndim) {
      print_value(f, t, offset + i);
      if (i + 1 < n) fputc(' ', f);
    } else {
      print_block(f, t, dim + 1, offset + i * stride, indent + 1);
      if (i + 1 < n) fprintf(f, "\n%*s", indent + 1, "");
    }
  }
  fputc(']', f);
}

void tool_print_tensor(FILE *f, const char *name, const c2_tensor *t) {
  char shape[256];
  if (c2_tensor_is_empty(t)) {
    fprintf(f, "%s: (empty blob)\n", name);
    return;
  }
  fprintf(f, "%s: %s %s\n", name, c2_dtype_name(c2_tensor_dtype(t)),
          c2_tensor_shape_string(t, shape, sizeof shape));
  if (c2_tensor_ndim(t) == 0) print_value(f, t, 0);
  else if (c2_tensor_numel(t) == 0) fputs("[]", f);
  else print_block(f, t, 0, 0, 0);
  fputc('\n', f);
}
