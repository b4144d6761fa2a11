/* web.h - the collector in a browser: a local web server (libmicrohttpd) that serves a
 * store's forms on 127.0.0.1 only, to the one browser that holds this launch's random token.
 * The pages are only a view of the store: its records, each record's page, every answer
 * committed as it is given, finalize, void, export. The server answers requests one at a time on its own thread; the
 * store must not be used by the caller while it runs. */
#ifndef ICS_WEB_H
#define ICS_WEB_H

#include "collector.h"

typedef struct ics_web ics_web;

typedef struct {
  ics_store *store; /* served; it stays the caller's, open until ics_web_stop returns */
  const char *store_path; /* its file (exports go beside it by default) */
  ics_lang lang;    /* the pages' language, unless a page asks for the other */
  uint16_t port;    /* 0: a free port */
} ics_web_options;

/* Starts serving. NULL with *err set when the server cannot start (the port is taken, no
 * memory). */
ics_web *ics_web_start(const ics_web_options *opts, ics_error *err);
/* The address to open, with the token: http://127.0.0.1:PORT/?token=TOKEN (the server's). */
const char *ics_web_url(const ics_web *web);
/* Stops serving (the request in progress is finished first) and frees the server;
 * NULL does nothing. */
void ics_web_stop(ics_web *web);

#endif
