/* hf_prom_impl: internals shared by hf_prom.c (the parser) and
 * hf_prom_doc.c (the document's memory and index). Not a public interface. */
#ifndef HF_PROM_IMPL_H
#define HF_PROM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_prom.h"

/* n bytes (max_align_t aligned) owned by the doc's arena; NULL on ENOMEM. */
void *hf_prom_doc_alloc(hf_prom_doc *d, size_t n);
/* A NUL-terminated copy of s[0..n) in the arena; NULL on ENOMEM. */
char *hf_prom_doc_strndup(hf_prom_doc *d, const char *s, size_t n);
/* The family named s[0..n), or NULL. */
hf_prom_family *hf_prom_doc_lookup(const hf_prom_doc *d, const char *s, size_t n);
/* The index slot of family s[0..n) or the empty slot where it goes (the
 * index must exist: capindex > 0). Holds family index + 1, 0 when empty. */
size_t *hf_prom_doc_slot(const hf_prom_doc *d, const char *s, size_t n);
/* Double the index (64 slots first) and re-insert every family. 0 or -ENOMEM. */
int hf_prom_doc_reindex(hf_prom_doc *d);
/* The family a sample called s[0..n) belongs to, or NULL; *bare_in_hist is
 * set when s names a histogram family itself (not a valid sample name). */
hf_prom_family *hf_prom_doc_sample_family(const hf_prom_doc *d, const char *s, size_t n,
                                          bool *bare_in_hist);
/* s[0..n) ends with suf (and is longer): *base is the length without it. */
bool hf_prom_has_suffix(const char *s, size_t n, const char *suf, size_t *base);

/* hf_prom_lex.c. A float as Go's strconv.ParseFloat reads it (no hex, no
 * underscores; NaN, Inf, +Inf, -Inf, Infinity in any case): 0, -EINVAL
 * (syntax) or -ERANGE (overflow). */
int hf_prom_float(const char *s, size_t n, double *out);
/* A decimal int64 with an optional sign: 0, -EINVAL or -ERANGE. */
int hf_prom_int64(const char *s, size_t n, int64_t *out);
/* Length of the UTF-8 sequence at s[0..n) (s[0] >= 0x80), or 0 with *why:
 * RFC 3629 only (no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t hf_prom_utf8_seq(const unsigned char *s, size_t n, const char **why);

#endif
