#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "c2rt/status.h"

const char *c2_status_name(c2_status status) {
  switch (status) {
#define C2_STATUS_CASE(name, value, text) \
  case name:                              \
    return #name;
    C2_STATUS_MAP(C2_STATUS_CASE)
#undef C2_STATUS_CASE
  }
  return "C2_ERR_UNKNOWN";
}

const char *c2_status_string(c2_status status) {
  switch (status) {
#define C2_STATUS_CASE(name, value, text) \
  case name:                              \
    return text;
    C2_STATUS_MAP(C2_STATUS_CASE)
#undef C2_STATUS_CASE
  }
  return "unknown status";
}

void c2_error_clear(c2_error *err) {
  if (!err) return;
  err->code = C2_OK;
  err->message[0] = '\0';
}

c2_status c2_error_set(c2_error *err, c2_status code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return code;
}

void c2_error_prefix(c2_error *err, const char *fmt, ...) {
  if (!err) return;
  char prefix[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  size_t plen = strlen(prefix);
  size_t mlen = strnlen(err->message, sizeof err->message - 1);
  if (plen >= sizeof err->message) plen = sizeof err->message - 1;
  if (plen + mlen >= sizeof err->message) mlen = sizeof err->message - 1 - plen;
  memmove(err->message + plen, err->message, mlen);
  memcpy(err->message, prefix, plen);
  err->message[plen + mlen] = '\0';
}
