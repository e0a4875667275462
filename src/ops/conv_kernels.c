/* Conv and pooling kernels (see conv_kernels.h). */
#include "conv_kernels.h"

#include <float.h>
#include <string.h>

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Smallest ow with ow*s + off >= 0, and one past the largest with ow*s + off < W. */
static void valid_range(int64_t off, int64_t s, int64_t W, int64_t n, int64_t *lo, int64_t *hi) {
  int64_t l = off >= 0 ? 0 : (-off + s - 1) / s;
  int64_t h = W - off <= 0 ? 0 : (W - off - 1) / s + 1;
  *lo = min64(l, n);
  *hi = max64(min64(h, n), *lo);
}

void c2__im2col_tile(const float *x, int64_t C, const conv_pool_geom *g, int64_t p0, int64_t p1,
                     float *col) {
  const int64_t H = g->in[0], W = g->in[1], Wo = g->out[1];
  const int64_t kh = g->kernel[0], kw = g->kernel[1], sh = g->stride[0], sw = g->stride[1];
  const int64_t dh = g->dilation[0], dw = g->dilation[1], pt = g->pads[0], pl = g->pads[1];
  const int64_t width = p1 - p0;
  /* Where the tile starts, divided out once: per output row the loop below only steps (an
   * int64 division per row of a 13-wide output cost more than copying the row). */
  const int64_t oh_first = p0 / Wo, ow_first = p0 % Wo;
  for (int64_t c = 0; c < C; c++)
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = 0; j < kw; j++) {
        float *row = col + ((c * kh + i) * kw + j) * width;
        const int64_t off_w = j * dw - pl;
        int64_t ow_lo, ow_hi;
        valid_range(off_w, sw, W, Wo, &ow_lo, &ow_hi);
        int64_t ih = oh_first * sh - pt + i * dh, ow0 = ow_first;
        for (int64_t p = p0; p < p1; ih += sh, ow0 = 0) {
          const int64_t ow1 = min64(Wo, ow0 + (p1 - p));
          const int64_t base = (p - p0) - ow0; /* row[base + ow] is output pixel (oh, ow) */
          if (ih < 0 || ih >= H) {
            memset(row + base + ow0, 0, (size_t)(ow1 - ow0) * sizeof *row);
          } else {
            const float *src = x + (c * H + ih) * W; /* src[ow * sw + off_w] */
            int64_t a = max64(ow0, ow_lo), b = min64(ow1, ow_hi);
            if (b < a) b = a;
            for (int64_t ow = ow0; ow < a && ow < ow1; ow++) row[base + ow] = 0.0f;
            if (sw == 1) { /* short runs (13 to 55 values in AlexNet): a loop beats memcpy calls */
              for (int64_t ow = a; ow < b; ow++) row[base + ow] = src[ow + off_w];
            } else {
              for (int64_t ow = a; ow < b; ow++) row[base + ow] = src[ow * sw + off_w];
            }
            for (int64_t ow = max64(b, ow0); ow < ow1; ow++) row[base + ow] = 0.0f;
          }
          p += ow1 - ow0;
        }
      }
}

void c2__fill_rows_with_bias(float *y, int64_t rows, int64_t width, int64_t ld,
                             const float *bias) {
  for (int64_t m = 0; m < rows; m++) {
    const float v = bias[m];
    for (int64_t p = 0; p < width; p++) y[m * ld + p] = v;
  }
}

/* The window [h*s - pad, h*s - pad + k) clipped to [0, n). */
static void window(int64_t o, int64_t s, int64_t pad, int64_t k, int64_t n, int64_t *lo,
                   int64_t *hi) {
  int64_t start = o * s - pad;
  *lo = max64(start, 0);
  *hi = min64(start + k, n);
}

/* Both pools run row by row: first the window's rows are combined column by column (a loop the
 * compiler vectorizes), then each output takes its window's columns of that row. Columns go in
 * chunks so that the row buffer stays on the stack. */
enum { POOL_CHUNK = 512 };

static inline float max_nan(float m, float v) { return (v > m || v != v) ? v : m; }

void c2__max_pool_nchw(const float *x, int64_t planes, const conv_pool_geom *g, float *y) {
  const int64_t H = g->in[0], W = g->in[1], Ho = g->out[0], Wo = g->out[1];
  float col[POOL_CHUNK];
  for (int64_t pl = 0; pl < planes; pl++) {
    const float *xp = x + pl * H * W;
    float *yp = y + pl * Ho * Wo;
    for (int64_t oh = 0; oh < Ho; oh++) {
      int64_t t, b;
      window(oh, g->stride[0], g->pads[0], g->kernel[0], H, &t, &b);
      for (int64_t ow0 = 0; ow0 < Wo;) {
        /* the outputs [ow0, ow1) whose windows lie in columns [c0, c1) */
        int64_t c0, c1, l, r, ow1 = ow0;
        window(ow0, g->stride[1], g->pads[1], g->kernel[1], W, &c0, &r);
        c1 = r;
        while (ow1 < Wo) {
          window(ow1, g->stride[1], g->pads[1], g->kernel[1], W, &l, &r);
          if (r - c0 > POOL_CHUNK) break;
          c1 = r > c1 ? r : c1;
          ow1++;
        }
        if (ow1 == ow0) ow1++; /* a window wider than the chunk: the exact loop */
        bool exact = c1 - c0 > POOL_CHUNK;
        if (!exact) {
          /* branch-free max (vectorizes); a NaN anywhere in the rows sends the chunk to the
           * exact loop below, so that NaN propagates */
          int bad = 0;
          for (int64_t c = c0; c < c1; c++) col[c - c0] = -FLT_MAX;
          for (int64_t ih = t; ih < b; ih++) {
            const float *row = xp + ih * W;
            for (int64_t c = c0; c < c1; c++) {
              float v = row[c], m = col[c - c0];
              col[c - c0] = m > v ? m : v;
              bad |= v != v;
            }
          }
          exact = bad != 0;
          for (int64_t ow = ow0; ow < ow1 && !exact; ow++) {
            window(ow, g->stride[1], g->pads[1], g->kernel[1], W, &l, &r);
            float m = -FLT_MAX;
            for (int64_t c = l; c < r; c++) m = m > col[c - c0] ? m : col[c - c0];
            yp[oh * Wo + ow] = m;
          }
        }
        for (int64_t ow = ow0; ow < ow1 && exact; ow++) {
          window(ow, g->stride[1], g->pads[1], g->kernel[1], W, &l, &r);
          float m = -FLT_MAX;
          for (int64_t ih = t; ih < b; ih++)
            for (int64_t c = l; c < r; c++) m = max_nan(m, xp[ih * W + c]);
          yp[oh * Wo + ow] = m;
        }
        ow0 = ow1;
      }
    }
  }
}

void c2__average_pool_nchw(const float *x, int64_t planes, const conv_pool_geom *g,
                           bool count_include_pad, float *y) {
  const int64_t H = g->in[0], W = g->in[1], Ho = g->out[0], Wo = g->out[1];
  const int64_t full = g->kernel[0] * g->kernel[1];
  for (int64_t pl = 0; pl < planes; pl++) {
    const float *xp = x + pl * H * W;
    float *yp = y + pl * Ho * Wo;
    for (int64_t oh = 0; oh < Ho; oh++) {
      int64_t t, b;
      window(oh, g->stride[0], g->pads[0], g->kernel[0], H, &t, &b);
      for (int64_t ow = 0; ow < Wo; ow++) {
        int64_t l, r;
        window(ow, g->stride[1], g->pads[1], g->kernel[1], W, &l, &r);
        float sum = 0.0f;
        for (int64_t ih = t; ih < b; ih++)
          for (int64_t iw = l; iw < r; iw++) sum += xp[ih * W + iw];
        int64_t count = count_include_pad ? full : (b - t) * (r - l);
        yp[oh * Wo + ow] = sum / (float)count;
      }
    }
  }
}
