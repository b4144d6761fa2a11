/* server.c - the web server of `collect serve`: libmicrohttpd bound to 127.0.0.1 only, one
 * request at a time on its thread, and the checks every request passes before it reaches a
 * page: the Host header (no DNS rebinding), this launch's token (query on the first load,
 * then a cookie), the Origin of a POST (no other web page writes the store), the size of the
 * body, and the routes (anything else is 404). */
#include <microhttpd.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web.h"
#include "web_messages.h"
#include "web_private.h"

const ics_message ics_web_messages[W_MESSAGE_COUNT] = {ICS_WEB_MESSAGES(ICS_MESSAGE_ENTRY)};

enum {
  TOKEN_BYTES = 32,
  TOKEN_HEX = 2 * TOKEN_BYTES,
  BODY_MAX = 64 * 1024, /* the largest request body: one answer, a text of 4000 characters */
};

struct ics_web {
  struct MHD_Daemon *daemon;
  ics_store *store;
  char *store_path;
  char *last_export; /* the bundle the last export wrote: what /download serves */
  ics_lang lang;
  uint16_t port;
  char token[TOKEN_HEX + 1];
  char cookie[32];           /* the cookie's name: ictsurvey_PORT (one per server) */
  char hosts[2][40];         /* the Host headers accepted */
  char origins[2][48];       /* the Origin headers accepted */
  char url[96];
  atomic_bool ready; /* the fields above are set: the thread may start before they are */
};

/* One request as it arrives: its body, read in pieces. */
typedef struct {
  ics_buf body;
  bool too_large;
  bool form_encoded; /* Content-Type application/x-www-form-urlencoded: the only body taken */
} request;

/* ---- responses ----------------------------------------------------------------------------- */
static void secure_headers(struct MHD_Response *r, const char *type) {
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  /* not no-referrer: with it the browser sends "Origin: null" on a form's POST */
  MHD_add_response_header(r, "Referrer-Policy", "same-origin");
  /* pages on other ports of 127.0.0.1 are the same site: they may not embed or open these */
  MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
  MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                          "base-uri 'none'; object-src 'none'");
}

/* Queues a response holding a copy of data; set_cookie: the token's cookie with it. */
static enum MHD_Result respond(struct MHD_Connection *c, const ics_web *web, unsigned status,
                               const char *type, const void *data, size_t len,
                               bool set_cookie) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  secure_headers(r, type);
  if (set_cookie) {
    char cookie[160];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict", web->cookie,
             web->token);
    MHD_add_response_header(r, "Set-Cookie", cookie);
  }
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, "Allow", "GET, HEAD, POST");
  enum MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ok;
}

/* A short plain-text refusal in both languages (the page's language is not known yet). */
static enum MHD_Result refuse(struct MHD_Connection *c, const ics_web *web, unsigned status) {
  const char *text;
  switch (status) {
  case MHD_HTTP_FORBIDDEN:
    text = "403: không được phép (hãy mở đúng địa chỉ mà 'ictsurvey collect serve' in ra) / "
           "forbidden (open the address 'ictsurvey collect serve' printed)\n";
    break;
  case MHD_HTTP_NOT_FOUND: text = "404: không có trang này / no such page\n"; break;
  case MHD_HTTP_CONTENT_TOO_LARGE: text = "413: yêu cầu quá lớn / request too large\n"; break;
  case MHD_HTTP_METHOD_NOT_ALLOWED: text = "405: không hỗ trợ / method not allowed\n"; break;
  case MHD_HTTP_BAD_REQUEST: text = "400: yêu cầu không hợp lệ / bad request\n"; break;
  case MHD_HTTP_CONFLICT: text = "409: phiếu đã bị hủy / the record is void\n"; break;
  case MHD_HTTP_UNSUPPORTED_MEDIA_TYPE:
    text = "415: chỉ nhận dữ liệu của biểu mẫu / form data only\n";
    break;
  case MHD_HTTP_SERVICE_UNAVAILABLE: text = "503: máy chủ đang khởi động / starting\n"; break;
  default: text = "500: lỗi máy chủ / server error\n"; break;
  }
  return respond(c, web, status, "text/plain; charset=utf-8", text, strlen(text), false);
}

/* ---- the checks ------------------------------------------------------------------------------ */
static bool token_matches(const ics_web *web, const char *given) {
  return given && strlen(given) == TOKEN_HEX && sodium_memcmp(given, web->token, TOKEN_HEX) == 0;
}

/* Whether the request carries the token; *from_query: in the address (the first load). */
static bool has_token(struct MHD_Connection *c, const ics_web *web, bool *from_query) {
  *from_query = token_matches(web, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"));
  return *from_query || token_matches(web, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, web->cookie)) ||
         token_matches(web, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Ictsurvey-Token"));
}

static bool host_ok(struct MHD_Connection *c, const ics_web *web) {
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  return host && (!strcmp(host, web->hosts[0]) || !strcasecmp(host, web->hosts[1]));
}

/* A POST whose Origin names another site (a page elsewhere posting to the store). */
static bool origin_foreign(struct MHD_Connection *c, const ics_web *web) {
  const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
  return origin && strcmp(origin, web->origins[0]) && strcasecmp(origin, web->origins[1]);
}

/* ---- routes --------------------------------------------------------------------------------- */
static ics_lang page_lang(struct MHD_Connection *c, const ics_web *web) {
  const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
  ics_lang lang = web->lang;
  if (name) ics_lang_parse(name, &lang);
  return lang;
}

static enum MHD_Result serve_page(struct MHD_Connection *c, ics_web *web, ics_buf *b,
                                  int rc, ics_error *err, bool set_cookie) {
  enum MHD_Result ok;
  if (rc || b->failed) {
    ics_buf_free(b);
    ics_buf_puts(b, "500: ");
    ics_buf_puts(b, err->message ? err->message : "?");
    ok = b->failed ? refuse(c, web, MHD_HTTP_INTERNAL_SERVER_ERROR)
                   : respond(c, web, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                             b->data, b->len, set_cookie);
  } else {
    ok = respond(c, web, MHD_HTTP_OK, "text/html; charset=utf-8", b->data, b->len, set_cookie);
  }
  ics_buf_free(b);
  ics_error_clear(err);
  return ok;
}

/* 303 to location (the page's language kept). */
static enum MHD_Result redirect(struct MHD_Connection *c, const ics_web *web, const char *location,
                                ics_lang lang) {
  char target[160];
  snprintf(target, sizeof target, "%s%slang=%s", location, strchr(location, '?') ? "&" : "?",
           ics_web_lang_name(lang));
  struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  secure_headers(r, "text/plain; charset=utf-8");
  MHD_add_response_header(r, "Location", target);
  (void)web;
  enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
  MHD_destroy_response(r);
  return ok;
}

/* A failure said in the page's words: a 4xx/5xx with the message, as text. */
static enum MHD_Result say_failure(struct MHD_Connection *c, ics_web *web, unsigned status, ics_error *err) {
  if (!err->message) return refuse(c, web, status);
  ics_buf b = {0};
  ics_buf_printf(&b, "%u: %s\n", status, err->message);
  enum MHD_Result ok = b.failed ? refuse(c, web, status)
                                : respond(c, web, status, "text/plain; charset=utf-8", b.data, b.len, false);
  ics_buf_free(&b);
  ics_error_clear(err);
  return ok;
}

/* The id in /record/ID/ACTION (36 characters of a UUID), or false. */
static bool record_path(const char *url, char id[37], const char **action) {
  if (strncmp(url, "/record/", 8)) return false;
  const char *p = url + 8;
  size_t n = strcspn(p, "/");
  if (n != 36 || strspn(p, "0123456789abcdef-") < 36) return false;
  memcpy(id, p, 36);
  id[36] = '\0';
  *action = p[36] == '/' ? p + 37 : p + 36;
  return true;
}

/* /new/FORM/finalize of a form of the store: its id into form_id. */
static bool new_finalize(const ics_web *web, const char *url, char form_id[ICS_NAME_MAX + 1]) {
  if (strncmp(url, "/new/", 5)) return false;
  size_t n = strcspn(url + 5, "/");
  if (n > ICS_NAME_MAX || strcmp(url + 5 + n, "/finalize")) return false;
  memcpy(form_id, url + 5, n);
  form_id[n] = '\0';
  return ics_store_form(web->store, form_id) != NULL;
}

static bool name_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

static enum MHD_Result download(struct MHD_Connection *c, ics_web *web) {
  char *data = NULL;
  size_t size = 0;
  if (!web->last_export || ics_read_file(web->last_export, (size_t)1 << 30, &data, &size) != ICS_OK)
    return refuse(c, web, MHD_HTTP_NOT_FOUND);
  struct MHD_Response *r = MHD_create_response_from_buffer(size, data, MHD_RESPMEM_MUST_COPY);
  ics_free(data);
  if (!r) return MHD_NO;
  secure_headers(r, "application/octet-stream");
  /* the name the store's file gave it, in ASCII (others as '_') and in UTF-8 (RFC 6266) */
  const char *base;
  char *dir = ics_path_dir(web->last_export, &base);
  ics_buf disposition = {0};
  ics_buf_puts(&disposition, "attachment; filename=\"");
  const char *name = dir ? base : "ictsurvey.bundle";
  for (const char *p = name; *p; p++) ics_buf_putc(&disposition, name_safe(*p) ? *p : '_');
  ics_buf_puts(&disposition, "\"; filename*=UTF-8''");
  for (const char *p = name; *p; p++) {
    if (name_safe(*p)) ics_buf_putc(&disposition, *p);
    else ics_buf_printf(&disposition, "%%%02X", (unsigned char)*p);
  }
  ics_free(dir);
  if (disposition.failed) {
    MHD_destroy_response(r);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Disposition", disposition.data);
  ics_buf_free(&disposition);
  enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result route_post(struct MHD_Connection *c, ics_web *web, const char *url,
                                  request *req, ics_web_page *page) {
  ics_web_form body;
  ics_code parsed = ics_web_form_parse(req->body.data ? req->body.data : "", req->body.len, &body);
  if (parsed == ICS_E_NO_MEMORY) return refuse(c, web, MHD_HTTP_INTERNAL_SERVER_ERROR);
  if (parsed != ICS_OK) return refuse(c, web, MHD_HTTP_BAD_REQUEST);
  const char *lang = ics_web_form_get(&body, "lang");
  if (lang) ics_lang_parse(lang, &page->lang);
  ics_buf b = {0};
  ics_error err = {0};
  enum MHD_Result ok;
  char id[37], form_id[ICS_NAME_MAX + 1];
  const char *action;
  if (!strcmp(url, "/answer")) {
    int status = ics_web_answer(page, &body, &b, &err);
    ok = status == 200 ? respond(c, web, 200, "application/json; charset=utf-8", b.data, b.len, false)
                       : say_failure(c, web, (unsigned)status, &err);
  } else if (!strcmp(url, "/export")) {
    const char *pending = ics_web_form_get(&body, "pending");
    int rc = ics_web_export(page, ics_web_form_get(&body, "folder"), pending && !strcmp(pending, "yes"),
                            &web->last_export, &b, &err);
    ok = serve_page(c, web, &b, rc, &err, false);
  } else if (new_finalize(web, url, form_id)) {
    /* finalize before any answer: the page again, with everything still missing */
    int rc = ics_web_record(page, NULL, form_id, NULL, true, &b, &err);
    ok = serve_page(c, web, &b, rc, &err, false);
  } else if (record_path(url, id, &action) && (!strcmp(action, "finalize") || !strcmp(action, "void") ||
                                               !strcmp(action, "unvoid") || !strcmp(action, "confirm"))) {
    /* confirming a carried-over record unchanged is finalizing it as it came */
    int status = !strcmp(action, "finalize") || !strcmp(action, "confirm") ? ics_web_finalize(page, id, &b, &err)
                 : !strcmp(action, "void")
                     ? ics_web_void(page, id, ics_web_form_get(&body, "confirm") &&
                                              !strcmp(ics_web_form_get(&body, "confirm"), "yes"),
                                    &b, &err)
                     : ics_web_unvoid(page, id, &err);
    char location[64];
    snprintf(location, sizeof location, "/record/%s", id);
    ok = status == 303   ? redirect(c, web, location, page->lang)
         : status == 200 ? serve_page(c, web, &b, 0, &err, false)
                         : say_failure(c, web, (unsigned)status, &err);
  } else {
    ok = refuse(c, web, MHD_HTTP_NOT_FOUND);
  }
  ics_buf_free(&b);
  ics_error_clear(&err);
  ics_web_form_free(&body);
  return ok;
}

static enum MHD_Result route(struct MHD_Connection *c, ics_web *web, const char *url,
                             bool post, request *req, bool set_cookie) {
  ics_web_page page = {.store = web->store, .store_path = web->store_path, .lang = page_lang(c, web)};
  if (post) {
    if (!req->form_encoded) return refuse(c, web, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE);
    return route_post(c, web, url, req, &page);
  }
  ics_buf b = {0};
  ics_error err = {0};
  char id[37];
  const char *action;
  if (!strcmp(url, "/")) {
    const char *search = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
    int rc = ics_web_home(&page, search, &b, &err);
    return serve_page(c, web, &b, rc, &err, set_cookie);
  }
  if (!strncmp(url, "/new/", 5) || (record_path(url, id, &action) && !*action)) {
    bool new_record = url[1] == 'n';
    const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
    int rc = ics_web_record(&page, new_record ? NULL : id, new_record ? url + 5 : NULL, from, false, &b, &err);
    if (rc == 1) {
      ics_buf_free(&b);
      ics_error_clear(&err);
      return refuse(c, web, MHD_HTTP_NOT_FOUND);
    }
    return serve_page(c, web, &b, rc, &err, set_cookie);
  }
  if (!strcmp(url, "/download")) return download(c, web);
  if (!strncmp(url, "/assets/", 8) || !strcmp(url, "/favicon.ico")) {
    /* browsers ask for /favicon.ico on pages that name none (a refusal's text) */
    const ics_web_asset *asset = ics_web_asset_find(url[1] == 'f' ? "icon.svg" : url + 8);
    /* the templates are the server's, not the page's */
    if (asset && strcmp(asset->content_type, "text/html; charset=utf-8")) {
      struct MHD_Response *r = MHD_create_response_from_buffer(asset->size, (void *)asset->data,
                                                               MHD_RESPMEM_PERSISTENT);
      if (!r) return MHD_NO;
      secure_headers(r, asset->content_type);
      enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
      MHD_destroy_response(r);
      return ok;
    }
  }
  return refuse(c, web, MHD_HTTP_NOT_FOUND);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  (void)version;
  ics_web *web = cls;
  request *req = *con_cls;
  bool post = !strcmp(method, MHD_HTTP_METHOD_POST);
  if (!atomic_load(&web->ready)) return refuse(c, web, MHD_HTTP_SERVICE_UNAVAILABLE);
  if (!req) { /* the headers have arrived: every check but the body's */
    bool from_query = false;
    if (!host_ok(c, web) || !has_token(c, web, &from_query) || (post && origin_foreign(c, web)))
      return refuse(c, web, MHD_HTTP_FORBIDDEN);
    if (!post && strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
      return refuse(c, web, MHD_HTTP_METHOD_NOT_ALLOWED);
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull(length, NULL, 10) > BODY_MAX) return refuse(c, web, MHD_HTTP_CONTENT_TOO_LARGE);
    if (!post) return route(c, web, url, false, NULL, from_query);
    if (!(req = ics_calloc(1, sizeof *req))) return MHD_NO;
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    req->form_encoded = type && !strncasecmp(type, "application/x-www-form-urlencoded", 33);
    *con_cls = req;
    return MHD_YES;
  }
  if (*upload_size) { /* a piece of the body */
    if (req->body.len + *upload_size > BODY_MAX) req->too_large = true;
    else ics_buf_append(&req->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (req->too_large) return refuse(c, web, MHD_HTTP_CONTENT_TOO_LARGE);
  if (req->body.failed) return refuse(c, web, MHD_HTTP_INTERNAL_SERVER_ERROR);
  return route(c, web, url, true, req, false);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why) {
  (void)cls, (void)c, (void)why;
  request *req = *con_cls;
  if (!req) return;
  ics_buf_free(&req->body);
  ics_free(req);
  *con_cls = NULL;
}

/* ---- starting and stopping -------------------------------------------------------------------- */
ics_web *ics_web_start(const ics_web_options *opts, ics_error *err) {
  if (sodium_init() < 0) {
    ics_error_say(err, opts->lang, WMSG(W_NO_RANDOM));
    return NULL;
  }
  ics_web *web = ics_calloc(1, sizeof *web);
  if (!web) {
    ics_error_no_memory(err, opts->lang);
    return NULL;
  }
  web->store = opts->store;
  web->lang = opts->lang;
  if (!(web->store_path = ics_strdup(opts->store_path ? opts->store_path : "."))) {
    ics_free(web);
    ics_error_no_memory(err, opts->lang);
    return NULL;
  }
  unsigned char raw[TOKEN_BYTES];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(web->token, sizeof web->token, raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  unsigned char address[64];
  size_t address_len = ics_loopback_address(opts->port, address, sizeof address);
  web->daemon = !address_len ? NULL : MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD, opts->port, NULL, NULL, on_request, web,
      MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)address,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, web,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32, /* a browser opens a handful */
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
      MHD_OPTION_END);
  const union MHD_DaemonInfo *info =
      web->daemon ? MHD_get_daemon_info(web->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
  if (!address_len || !web->daemon || !info || !info->port) {
    ics_error_say(err, opts->lang, WMSG(W_CANNOT_START), (unsigned)opts->port);
    ics_web_stop(web);
    return NULL;
  }
  web->port = info->port;
  snprintf(web->cookie, sizeof web->cookie, "ictsurvey_%u", (unsigned)web->port);
  snprintf(web->hosts[0], sizeof web->hosts[0], "127.0.0.1:%u", (unsigned)web->port);
  snprintf(web->hosts[1], sizeof web->hosts[1], "localhost:%u", (unsigned)web->port);
  snprintf(web->origins[0], sizeof web->origins[0], "http://127.0.0.1:%u", (unsigned)web->port);
  snprintf(web->origins[1], sizeof web->origins[1], "http://localhost:%u", (unsigned)web->port);
  snprintf(web->url, sizeof web->url, "http://127.0.0.1:%u/?token=%s", (unsigned)web->port, web->token);
  atomic_store(&web->ready, true);
  return web;
}

const char *ics_web_url(const ics_web *web) { return web->url; }

void ics_web_stop(ics_web *web) {
  if (!web) return;
  if (web->daemon) MHD_stop_daemon(web->daemon);
  sodium_memzero(web->token, sizeof web->token);
  ics_free(web->store_path);
  ics_free(web->last_export);
  ics_free(web);
}
