/* fuzz_gzip.h - what the fuzz targets of gzip formats (bundle, kit) wrap their input in. */
#ifndef ICS_FUZZ_GZIP_H
#define ICS_FUZZ_GZIP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* p[0..n) gzipped with a header of ictsurvey's (time 0, OS 255, the file name `name`, or none
 * when NULL); malloc'd or NULL. Level 1: fast, and readers do not care. */
static inline unsigned char *fuzz_gzip(const void *p, size_t n, const char *name, size_t *out_len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
  gz_header header;
  memset(&header, 0, sizeof header);
  header.name = (Bytef *)(uintptr_t)name;
  header.os = 255;
  deflateSetHeader(&zs, &header);
  uLong bound = deflateBound(&zs, (uLong)n) + 64;
  unsigned char *gz = malloc(bound);
  if (gz) {
    zs.next_in = (unsigned char *)(uintptr_t)p;
    zs.avail_in = (uInt)n;
    zs.next_out = gz;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) == Z_STREAM_END) {
      *out_len = zs.total_out;
    } else {
      free(gz);
      gz = NULL;
    }
  }
  deflateEnd(&zs);
  return gz;
}

#endif
