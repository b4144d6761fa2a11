/* fuzz_bundle.c - libFuzzer target for the bundle reader: any bytes must give a manifest and
 * records, or an error, never a crash, a leak or a hang. The bytes are read as a bundle file
 * (ics_bundle_open_memory, every record read and touched). Bytes that are not gzip data are
 * also gzipped here and read as a bundle's content, so that the fuzzer reaches the manifest
 * and record parser without having to forge a CRC (the content's SHA-256 still fails at the
 * end, after every record has been parsed). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void read_bundle(const void *data, size_t size, const ics_bundle_limits *limits) {
  char *error = NULL;
  ics_bundle_reader *r = ics_bundle_open_memory(data, size, limits, ICS_EN, &error);
  size_t sum = error ? strlen(error) : 0;
  ics_free(error);
  error = NULL;
  if (!r) {
    sink += sum;
    return;
  }
  const ics_bundle_manifest *m = ics_bundle_manifest_of(r);
  sum += strlen(m->bundle_id) + strlen(m->store_id) + strlen(m->surveyor) + strlen(m->site) +
         strlen(m->created) + m->register_len + (size_t)m->round;
  if (m->register_len) sum += (unsigned char)m->register_text[m->register_len - 1];
  for (size_t i = 0; i < m->form_count; i++) {
    const ics_bundle_form *f = &m->forms[i];
    sum += strlen(f->id) + strlen(f->version) + strlen(f->hash) + f->definition_len;
    if (f->definition_len) sum += (unsigned char)f->definition[f->definition_len - 1];
  }
  ics_bundle_record rec;
  int rc;
  while ((rc = ics_bundle_next(r, &rec, &error)) == 1) {
    sum += strlen(rec.instance_id) + strlen(rec.form_id) + strlen(rec.status) +
           strlen(rec.created_at) + strlen(rec.updated_at) + strlen(rec.surveyor) +
           strlen(rec.site) + (size_t)rec.revision + (size_t)rec.round;
    for (size_t i = 0; i < rec.value_count; i++)
      sum += strlen(rec.values[i].name) + strlen(rec.values[i].value);
  }
  if (rc < 0) sum += error ? strlen(error) : 0;
  ics_free(error);
  ics_bundle_close(r);
  sink += sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);
  limits.max_decompressed = 32 << 20;
  read_bundle(data, size, &limits);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) return 0;

  /* the bytes as content, with smaller limits so that they are reached too */
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
  gz_header header;
  memset(&header, 0, sizeof header);
  header.os = 255;
  deflateSetHeader(&zs, &header);
  uLong bound = deflateBound(&zs, (uLong)size) + 64;
  unsigned char *gz = malloc(bound);
  if (gz) {
    zs.next_in = (unsigned char *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = gz;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) == Z_STREAM_END) {
      limits.max_line = 2048;
      limits.max_definition = 2048;
      limits.max_forms = 8;
      limits.max_records = 1000;
      read_bundle(gz, zs.total_out, &limits);
    }
    free(gz);
  }
  deflateEnd(&zs);
  return 0;
}
