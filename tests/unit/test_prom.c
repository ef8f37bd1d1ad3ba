/* Unit tests: hf_prom (the Prometheus text parser), hf_prom_stats (API
 * statistics, quantiles, counter resets) and the state file (its tests in
 * test_prom_state.h; shared helpers in test_prom_helpers.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_prom.h"
#include "hf_prom_stats.h"

#include "test_prom_helpers.h"
#include "test_prom_state.h"

/* ---- parser: good pages ---------------------------------------------------- */

static void test_parse_own_page(void **state)
{
    hf_prom_doc *doc = parse_fixture("helixflow.prom");
    const hf_prom_family *f;
    const hf_prom_sample *s;

    (void)state;
    assert_int_equal(doc->nfamilies, 6);
    assert_int_equal(doc->nsamples, 5 + 14 + 4);
    assert_int_equal(doc->nlines, 35);
    f = hf_prom_find(doc, "api_requests_total");
    assert_int_equal(f->type, HF_PROM_COUNTER);
    assert_string_equal(f->help, "Total number of API requests handled by the gateway.");
    assert_int_equal(f->nsamples, 5);
    s = &f->samples[3];
    assert_string_equal(s->name, "api_requests_total");
    assert_int_equal(s->nlabels, 3);
    assert_string_equal(hf_prom_label_value(s, "endpoint"), "/v1/chat/completions");
    assert_string_equal(hf_prom_label_value(s, "code"), "200");
    assert_null(hf_prom_label_value(s, "le"));
    assert_true(s->value == 3940);
    assert_int_equal(s->line, 6);
    assert_false(s->has_ts);

    f = hf_prom_find(doc, "api_request_duration_seconds");
    assert_int_equal(f->type, HF_PROM_HISTOGRAM);
    assert_int_equal(f->nsamples, 14);
    assert_string_equal(f->samples[11].name, "api_request_duration_seconds_bucket");
    assert_string_equal(hf_prom_label_value(&f->samples[11], "le"), "+Inf");
    assert_string_equal(f->samples[12].name, "api_request_duration_seconds_sum");
    assert_true(f->samples[12].value == 2100.5);
    assert_ptr_equal(hf_prom_find_sample_family(doc, "api_request_duration_seconds_count"), f);
    assert_ptr_equal(hf_prom_find_sample_family(doc, "api_request_duration_seconds_bucket"), f);
    assert_null(hf_prom_find_sample_family(doc, "api_request_duration_seconds"));
    assert_null(hf_prom_find(doc, "nope"));

    s = sample_at(doc, "helixflow_build_info", 0);
    assert_string_equal(hf_prom_label_value(s, "note"), "quote \" backslash \\ newline \n end");
    s = sample_at(doc, "helixflow_queue_depth", 0);
    assert_true(s->has_ts);
    assert_true(s->ts_ms == 1718000000123LL);
    assert_true(s->value == 6);
    assert_true(isnan(sample_at(doc, "helixflow_gpu_temperature_celsius", 0)->value));
    assert_true(sample_at(doc, "process_start_time_seconds", 0)->value == 1.71799996e+09);
    hf_prom_doc_free(doc);
}

static void test_parse_vllm(void **state)
{
    hf_prom_doc *doc = parse_fixture("vllm.prom");
    const hf_prom_family *f;

    (void)state;
    f = hf_prom_find(doc, "vllm:time_to_first_token_seconds");
    assert_non_null(f);
    assert_int_equal(f->type, HF_PROM_HISTOGRAM);
    assert_int_equal(f->nsamples, 1 + 17 + 1);
    assert_string_equal(f->samples[0].name, "vllm:time_to_first_token_seconds_sum");
    assert_string_equal(f->samples[1].labels[0].name, "le");
    assert_string_equal(f->samples[1].labels[1].value, "meta-llama/Llama-3.1-8B-Instruct");
    f = hf_prom_find(doc, "vllm:prompt_tokens_created");
    assert_int_equal(f->type, HF_PROM_GAUGE);
    assert_true(sample_at(doc, "process_virtual_memory_bytes", 0)->value == 2.5846259712e10);
    assert_int_equal(hf_prom_find(doc, "python_gc_objects_collected_total")->nsamples, 3);
    assert_string_equal(hf_prom_label_value(sample_at(doc, "vllm:cache_config_info", 0), "num_gpu_blocks"),
                        "27487");
    assert_string_equal(hf_prom_type_name(hf_prom_find(doc, "vllm:num_requests_waiting")->type), "gauge");
    hf_prom_doc_free(doc);
}

static void test_parse_triton_tgi(void **state)
{
    hf_prom_doc *doc = parse_fixture("triton.prom");
    const hf_prom_family *f = hf_prom_find(doc, "nv_inference_queue_summary_us");

    (void)state;
    assert_int_equal(f->type, HF_PROM_SUMMARY);
    assert_int_equal(f->nsamples, 7);
    assert_string_equal(f->samples[0].name, "nv_inference_queue_summary_us_count");
    assert_string_equal(hf_prom_label_value(&f->samples[6], "quantile"), "0.999");
    assert_true(sample_at(doc, "nv_energy_consumption", 0)->value == 1.5443e6);
    hf_prom_doc_free(doc);

    doc = parse_fixture("tgi.prom");
    assert_int_equal(hf_prom_find(doc, "tgi_request_failure")->nsamples, 2);
    assert_null(hf_prom_find(doc, "tgi_request_failure")->help);
    assert_ptr_equal(hf_prom_find_sample_family(doc, "tgi_request_generated_tokens_sum"),
                     hf_prom_find(doc, "tgi_request_generated_tokens"));
    hf_prom_doc_free(doc);
}

static void test_parse_crlf_and_blanks(void **state)
{
    hf_prom_doc *doc = parse_fixture("crlf.prom");
    const hf_prom_family *f = hf_prom_find(doc, "api_requests_total");

    (void)state;
    assert_int_equal(f->type, HF_PROM_UNTYPED);
    assert_int_equal(f->nsamples, 2);
    assert_true(f->samples[1].value == 10);
    assert_int_equal(doc->nlines, 3);
    hf_prom_doc_free(doc);

    static const char page[] = "\n   \n\t# just a comment\n#HELP not meta\n"
                               "  x { a = \"1\" , b=\"2\", } \t 7\t\n"
                               "y{} 3 -5\n";
    assert_int_equal(parse_exact(page, strlen(page), NULL, &doc, NULL), 0);
    assert_int_equal(doc->nsamples, 2);
    assert_string_equal(hf_prom_label_value(sample_at(doc, "x", 0), "b"), "2");
    assert_true(sample_at(doc, "x", 0)->value == 7);
    assert_true(sample_at(doc, "y", 0)->ts_ms == -5);
    assert_int_equal(sample_at(doc, "y", 0)->nlabels, 0);
    hf_prom_doc_free(doc);
}

static void test_parse_values(void **state)
{
    static const struct { const char *text; double want; } cases[] = {
        {"+Inf", INFINITY}, {"-Inf", -INFINITY}, {"Inf", INFINITY}, {"inf", INFINITY},
        {"+infinity", INFINITY}, {"1e3", 1000}, {"-1.5E-3", -0.0015}, {".5", 0.5}, {"5.", 5},
        {"0", 0}, {"-0", 0}, {"+7", 7}, {"1.7976931348623157e308", 1.7976931348623157e308},
        {"1e-400", 0}, {"123456789012345678901234567890", 1.2345678901234568e29},
    };
    char line[128];
    hf_prom_doc *doc;

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
        snprintf(line, sizeof(line), "m %s\n", cases[i].text);
        assert_int_equal(parse_exact(line, strlen(line), NULL, &doc, NULL), 0);
        if (sample_at(doc, "m", 0)->value != cases[i].want)
            fail_msg("%s parsed as %g", cases[i].text, sample_at(doc, "m", 0)->value);
        hf_prom_doc_free(doc);
    }
    assert_int_equal(parse_exact("m NaN\n", 6, NULL, &doc, NULL), 0);
    assert_true(isnan(sample_at(doc, "m", 0)->value));
    hf_prom_doc_free(doc);
    assert_int_equal(parse_exact("m nan 9223372036854775807\n", 26, NULL, &doc, NULL), 0);
    assert_true(sample_at(doc, "m", 0)->ts_ms == INT64_MAX);
    hf_prom_doc_free(doc);
}

static void test_parse_bounds(void **state)
{
    static const char page[] = "a 1\nb 22\n";
    hf_prom_doc *doc;
    hf_prom_error err;
    char msg[256];

    (void)state;
    /* empty input, NULL with length 0 */
    assert_int_equal(hf_prom_parse(NULL, 0, NULL, &doc, NULL), 0);
    assert_int_equal(doc->nsamples, 0);
    hf_prom_doc_free(doc);
    hf_prom_doc_free(NULL);
    /* the length is honoured: "a 1\n" then nothing */
    assert_int_equal(parse_exact(page, 4, NULL, &doc, NULL), 0);
    assert_int_equal(doc->nsamples, 1);
    assert_null(hf_prom_find(doc, "b"));
    hf_prom_doc_free(doc);
    /* cut after "b 2": the last line has no line feed, never read as b = 2 */
    assert_int_equal(parse_exact(page, 7, NULL, &doc, &err), -EINVAL);
    assert_null(doc);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)),
                        "line 2: no line feed at the end of the last line (page cut short?)");
    /* cut inside a sample: "a 1\nb" */
    assert_int_equal(parse_exact(page, 5, NULL, &doc, &err), -EINVAL);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 2, column 2: missing value for 'b'");
    /* cut inside a label value */
    assert_int_equal(parse_exact("x{a=\"bc\"} 1", 7, NULL, &doc, &err), -EINVAL);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)),
                        "line 1, column 5: unterminated value of label 'a'");
    assert_int_equal(parse_exact("x{a=\"b\\\"} 1", 7, NULL, &doc, &err), -EINVAL);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)),
                        "line 1, column 5: unterminated value of label 'a'");
}

/* ---- parser: malformed pages ------------------------------------------------- */

static void test_malformed(void **state)
{
    static const struct { const char *text; int rc; const char *want; } cases[] = {
        {"# TYPE api_requests_total counter\napi_requests_total{code=\"200\"}\n", -EINVAL,
         "line 2, column 31: missing value for 'api_requests_total'"},
        {"api_requests_total\n", -EINVAL, "line 1, column 19: missing value for 'api_requests_total'"},
        {"x{code=\"200} 1\n", -EINVAL, "line 1, column 8: unterminated value of label 'code'"},
        {"x{a=\"b\\q\"} 1\n", -EINVAL, "line 1, column 7: bad escape '\\q' in value of label 'a'"},
        {"x{a=\"b\\t\"} 1\n", -EINVAL, "line 1, column 7: bad escape '\\t' in value of label 'a'"},
        {"x 12abc\n", -EINVAL, "line 1, column 3: bad number '12abc'"},
        {"x 0x1p3\n", -EINVAL, "line 1, column 3: bad number '0x1p3'"},
        {"x 1.2.3\n", -EINVAL, "line 1, column 3: bad number '1.2.3'"},
        {"x -\n", -EINVAL, "line 1, column 3: bad number '-'"},
        {"x 1e999\n", -EINVAL, "line 1, column 3: number out of range '1e999'"},
        {"x 1 1700000000000 extra\n", -EINVAL, "line 1, column 19: unexpected text after the timestamp"},
        {"x 1 12.5\n", -EINVAL, "line 1, column 5: bad timestamp '12.5' (expected integer milliseconds)"},
        {"x 1 99999999999999999999\n", -EINVAL,
         "line 1, column 5: bad timestamp '99999999999999999999' (expected integer milliseconds)"},
        {"x{code=200} 1\n", -EINVAL, "line 1, column 8: expected '\"' to open the value of label 'code', found '2'"},
        {"api_requests_total{code=\"200\" 12\n", -EINVAL,
         "line 1, column 31: expected ',' or '}' after label 'code', found '1'"},
        {"x{code} 1\n", -EINVAL, "line 1, column 7: expected '=' after label name 'code', found '}'"},
        {"x{,} 1\n", -EINVAL, "line 1, column 3: expected a label name or '}', found ','"},
        {"x{a=\"1\",a=\"2\"} 1\n", -EINVAL, "line 1, column 9: duplicate label 'a'"},
        {"x{", -EINVAL, "line 1, column 3: expected a label name or '}', found end of line"},
        {"1x 1\n", -EINVAL, "line 1, column 1: expected a metric name, found '1'"},
        {"x-y 1\n", -EINVAL, "line 1, column 2: expected '{' or a blank after the metric name, found '-'"},
        {"x\x01 1\n", -EINVAL, "line 1, column 2: expected '{' or a blank after the metric name, found byte 0x01"},
        {"ok 1\n\n# TYPE x gauge\n# TYPE x counter\n", -EINVAL, "line 4: second TYPE line for 'x'"},
        {"x 1\n# TYPE x gauge\n", -EINVAL, "line 2: TYPE line for 'x' after its samples"},
        {"# HELP x a\n# HELP x b\n", -EINVAL, "line 2: second HELP line for 'x'"},
        {"# TYPE x histogramm\n", -EINVAL, "line 1, column 10: unknown metric type 'histogramm'"},
        {"# TYPE x\n", -EINVAL, "line 1, column 9: TYPE line for 'x' without a type"},
        {"# TYPE x gauge extra\n", -EINVAL, "line 1, column 16: TYPE: unexpected text after the type"},
        {"# TYPE\n", -EINVAL, "line 1, column 7: TYPE: expected a metric name, found end of line"},
        {"# HELP x-y z\n", -EINVAL, "line 1, column 9: HELP: expected a blank after the metric name, found '-'"},
        {"# TYPE h histogram\nh_bucket 1\n", -EINVAL, "line 2, column 1: histogram bucket 'h_bucket' without an 'le' label"},
        {"# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", -EINVAL, "line 2, column 1: bad le value \"x\""},
        {"# TYPE h histogram\nh{le=\"1\"} 1\n", -EINVAL,
         "line 2, column 1: sample 'h' in histogram 'h': expected h_bucket, _sum or _count"},
        {"# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"0.1\"} 2\n", -EINVAL,
         "line 3, column 1: duplicate bucket le=\"0.1\" (line 2 has it too)"},
        {"# TYPE h histogram\nh_bucket{a=\"x\",le=\"1\"} 1\nh_bucket{a=\"x\",le=\"0.5\"} 2\n", -EINVAL,
         "line 3, column 1: bucket le=\"0.5\" after le=\"1\": buckets must be in increasing order"},
        {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_bucket{le=\"1\"} 2\n", -EINVAL,
         "line 3, column 1: bucket le=\"1\" after le=\"+Inf\": buckets must be in increasing order"},
        {"# TYPE s summary\ns 1\n", -EINVAL, "line 2, column 1: summary sample 's' without a 'quantile' label"},
        {"# TYPE s summary\ns{quantile=\"high\"} 1\n", -EINVAL, "line 2, column 1: bad quantile value \"high\""},
        {"ok 1\nbad{a=\"\xc3\xa9\" 1\n", -EINVAL, "line 2, column 12: expected ',' or '}' after label 'a', found '1'"},
    };

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++)
        expect_error(cases[i].text, cases[i].rc, cases[i].want);
}

/* What the format forbids even when each token is well formed. */
static void test_format_rules(void **state)
{
    static const struct { const char *text; const char *want; } cases[] = {
        /* one bucket at -50 moved p50 from 0.55 s to 0.925 s */
        {"# TYPE api_request_duration_seconds histogram\n"
         "api_request_duration_seconds_bucket{le=\"0.5\"} 100\n"
         "api_request_duration_seconds_bucket{le=\"1\"} -50\n",
         "line 3, column 45: negative bucket population -50 for api_request_duration_seconds_bucket"},
        {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} -Inf\n", "line 2, column 21: negative bucket population -Inf for h_bucket"},
        {"# TYPE h histogram\nh_count -1\n", "line 2, column 9: negative observation count -1 for h_count"},
        {"# TYPE s summary\ns_count{m=\"a\"} -0.5 17\n", "line 2, column 16: negative observation count -0.5 for s_count"},
        /* the last line without its line feed: a page cut short */
        {"a 1\nb 2", "line 2: no line feed at the end of the last line (page cut short?)"},
        {"a 1\r\nb 2\r", "line 2: no line feed at the end of the last line (page cut short?)"},
        {"a 1\n# a comment", "line 2: no line feed at the end of the last line (page cut short?)"},
        {"a 1\n  ", "line 2: no line feed at the end of the last line (page cut short?)"},
        /* the metric name is not a label */
        {"x{__name__=\"y\"} 1\n", "line 1, column 3: label '__name__' inside the braces (the metric name goes before them)"},
        {"x{a=\"1\", __name__=\"x\"} 1\n", "line 1, column 10: label '__name__' inside the braces (the metric name goes before them)"},
        /* label values are UTF-8 */
        {"x{a=\"\xff\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: byte never used in UTF-8 (byte 0xff)"},
        {"x{a=\"ok\x80\"} 1\n", "line 1, column 8: value of label 'a' is not valid UTF-8: continuation byte without a lead byte (byte 0x80)"},
        {"x{a=\"\xc0\xaf\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: overlong encoding (byte 0xc0)"},
        {"x{a=\"\xc1\xbf\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: overlong encoding (byte 0xc1)"},
        {"x{a=\"\xe0\x80\xaf\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: overlong encoding (byte 0xe0)"},
        {"x{a=\"\xf0\x8f\xbf\xbf\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: overlong encoding (byte 0xf0)"},
        {"x{a=\"\xed\xa0\x80\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: UTF-16 surrogate (byte 0xed)"},
        {"x{a=\"\xed\xbf\xbf\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: UTF-16 surrogate (byte 0xed)"},
        {"x{a=\"\xf4\x90\x80\x80\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: code point above U+10FFFF (byte 0xf4)"},
        {"x{a=\"\xf5\x80\x80\x80\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: byte never used in UTF-8 (byte 0xf5)"},
        {"x{a=\"\xc3\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: truncated sequence (byte 0xc3)"},
        {"x{a=\"\xe2\x82\"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: truncated sequence (byte 0xe2)"},
        {"x{a=\"\xf0\x9f\x98 \"} 1\n", "line 1, column 6: value of label 'a' is not valid UTF-8: truncated sequence (byte 0xf0)"},
        {"x{le=\"1\xe2\x82\n", "line 1, column 8: value of label 'le' is not valid UTF-8: truncated sequence (byte 0xe2)"},
    };

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++)
        expect_error(cases[i].text, -EINVAL, cases[i].want);
}

/* Their neighbours stay valid. */
static void test_format_rules_ok(void **state)
{
    static const char page[] =
        "# TYPE h histogram\nh_bucket{le=\"1\"} -0\nh_bucket{le=\"+Inf\"} NaN\nh_sum -5\nh_count 0\n"
        "# TYPE s summary\ns{quantile=\"0.5\"} -1\ns_sum -2\n"
        "x_count -1\nx_bucket{le=\"1\"} -3\ng -7\n"
        "u{__name=\"a\",name__=\"b\",v=\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80"
        "\xe0\xa0\x80\xf0\x90\x80\x80\xc2\x80\"} 1\n";
    hf_prom_doc *doc;

    (void)state;
    assert_int_equal(parse_exact(page, strlen(page), NULL, &doc, NULL), 0);
    assert_int_equal(doc->nsamples, 10);
    assert_string_equal(hf_prom_label_value(sample_at(doc, "u", 0), "v"),
                        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80"
                        "\xe0\xa0\x80\xf0\x90\x80\x80\xc2\x80");
    assert_true(sample_at(doc, "x_bucket", 0)->value == -3);      /* untyped: any value */
    hf_prom_doc_free(doc);
    assert_int_equal(parse_exact("\n", 1, NULL, &doc, NULL), 0);
    assert_int_equal(doc->nlines, 1);
    hf_prom_doc_free(doc);
    assert_int_equal(parse_exact("", 0, NULL, &doc, NULL), 0);
    assert_int_equal(doc->nsamples + doc->nlines, 0);
    hf_prom_doc_free(doc);
}

static void test_malformed_ok_neighbours(void **state)
{
    /* what the strict rules must still accept */
    static const char page[] =
        "# TYPE h histogram\n"
        "h_bucket{a=\"x\",le=\"1\"} 1\nh_bucket{a=\"x\",le=\"+Inf\"} 2\n"
        "h_bucket{a=\"y\",le=\"1\"} 1\nh_bucket{a=\"y\",le=\"+Inf\"} 1\n"
        "h_sum{a=\"x\"} 3\nh_count{a=\"x\"} 2\n"
        "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 3\ns_count 2\n"
        "# HELP with a\\\\b\\nc \\q  \n"
        "# TYPE u untyped\nu 1\n";
    hf_prom_doc *doc;

    (void)state;
    assert_int_equal(parse_exact(page, strlen(page), NULL, &doc, NULL), 0);
    assert_int_equal(hf_prom_find(doc, "h")->nsamples, 6);
    assert_int_equal(hf_prom_find(doc, "s")->nsamples, 3);
    assert_int_equal(hf_prom_find(doc, "u")->type, HF_PROM_UNTYPED);
    assert_true(hf_prom_find(doc, "u")->typed);
    assert_string_equal(hf_prom_find(doc, "with")->help, "a\\b\nc \\q");
    hf_prom_doc_free(doc);
}

static void test_nul_byte(void **state)
{
    static const char page[] = "a 1\nb{x=\"y\0z\"} 2\n";
    hf_prom_doc *doc;
    hf_prom_error err;
    char msg[256];

    (void)state;
    assert_int_equal(parse_exact(page, sizeof(page) - 1, NULL, &doc, &err), -EINVAL);
    assert_null(doc);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 2, column 7: NUL byte");
    assert_int_equal(parse_exact("# comment\0\n", 11, NULL, &doc, &err), -EINVAL);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 1, column 10: NUL byte");
}

static void test_huge_line(void **state)
{
    size_t n = 1 << 20;
    char *page = malloc(n + 16);
    hf_prom_doc *doc;
    hf_prom_error err;
    char msg[256];

    (void)state;
    assert_non_null(page);
    memcpy(page, "ok 1\nx{a=\"", 10);
    memset(page + 10, 'v', n);
    memcpy(page + 10 + n, "\"} 1\n", 5);
    assert_int_equal(hf_prom_parse(page, n + 15, NULL, &doc, &err), -E2BIG);
    assert_null(doc);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 2: line longer than 65536 bytes");
    /* a raised limit takes it */
    hf_prom_limits lim = {.max_line_len = 2 << 20};
    assert_int_equal(hf_prom_parse(page, n + 15, &lim, &doc, &err), 0);
    assert_int_equal(strlen(hf_prom_label_value(sample_at(doc, "x", 0), "a")), n);
    hf_prom_doc_free(doc);
    free(page);
}

static void test_limits(void **state)
{
    hf_prom_doc *doc;
    hf_prom_error err;
    char msg[256];
    hf_prom_limits lim = {.max_samples = 2};

    (void)state;
    assert_int_equal(parse_exact("a 1\nb 2\nc 3\n", 12, &lim, &doc, &err), -E2BIG);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 3: more than 2 samples");
    lim = (hf_prom_limits){.max_lines = 2};
    assert_int_equal(parse_exact("a 1\n\n\n", 6, &lim, &doc, &err), -E2BIG);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 3: more than 2 lines");
    lim = (hf_prom_limits){.max_labels = 2};
    assert_int_equal(parse_exact("a{x=\"1\",y=\"2\",z=\"3\"} 1", 22, &lim, &doc, &err), -E2BIG);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 1, column 15: more than 2 labels");
    lim = (hf_prom_limits){.max_families = 2};
    assert_int_equal(parse_exact("a 1\nb 1\na 2\nc 1\n", 16, &lim, &doc, &err), -E2BIG);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), "line 4: more than 2 metric families");
    /* many families and samples within the defaults */
    hf_buf b = {0};
    for (int i = 0; i < 3000; i++)
        hf_buf_printf(&b, "# TYPE m%d counter\nm%d{i=\"%d\"} %d\nm%d{i=\"x\"} 1\n", i, i, i, i, i);
    assert_int_equal(hf_prom_parse(b.s, b.len, NULL, &doc, &err), 0);
    assert_int_equal(doc->nfamilies, 3000);
    assert_int_equal(doc->nsamples, 6000);
    assert_true(sample_at(doc, "m2999", 0)->value == 2999);
    assert_int_equal(hf_prom_find(doc, "m1234")->nsamples, 2);
    hf_prom_doc_free(doc);
    hf_buf_free(&b);
}

/* ---- quantiles ------------------------------------------------------------------- */

static void test_quantile_math(void **state)
{
    const double le[] = {0.1, 0.5, 1, INFINITY};
    const double cum[] = {10, 60, 90, 100};
    const double flat[] = {0, 0, 0, 0};
    const double dip[] = {10, 8, 90, 100};      /* non-monotonic: read as 10, 10, 90, 100 */
    const double le_neg[] = {-1, 0, INFINITY};
    const double cum3[] = {5, 10, 10};

    (void)state;
    /* rank 50 in (0.1, 0.5]: 0.1 + 0.4 * (40 / 50) */
    assert_double_equal(hf_prom_histogram_quantile(0.5, le, cum, 4), 0.42, 1e-12);
    /* rank 5 in the first bucket: 0 + 0.1 * 5/10 */
    assert_double_equal(hf_prom_histogram_quantile(0.05, le, cum, 4), 0.05, 1e-12);
    /* rank 90 exactly at the bound of (0.5, 1] */
    assert_double_equal(hf_prom_histogram_quantile(0.9, le, cum, 4), 1.0, 1e-12);
    /* rank 95 falls in +Inf: the highest finite bound */
    assert_double_equal(hf_prom_histogram_quantile(0.95, le, cum, 4), 1.0, 1e-12);
    assert_double_equal(hf_prom_histogram_quantile(1, le, cum, 4), 1.0, 1e-12);
    assert_true(isnan(hf_prom_histogram_quantile(0.5, le, flat, 4)));
    assert_true(isnan(hf_prom_histogram_quantile(0.5, le, cum, 3)));       /* no +Inf */
    assert_true(isnan(hf_prom_histogram_quantile(0.5, le + 3, cum + 3, 1)));
    assert_true(isnan(hf_prom_histogram_quantile(NAN, le, cum, 4)));
    assert_true(hf_prom_histogram_quantile(-0.1, le, cum, 4) == -INFINITY);
    assert_true(hf_prom_histogram_quantile(1.1, le, cum, 4) == INFINITY);
    /* rank 50 in (0.5, 1] of 10, 10, 90, 100: 0.5 + 0.5 * 40/80 */
    assert_double_equal(hf_prom_histogram_quantile(0.5, le, dip, 4), 0.75, 1e-12);
    /* a first bucket with a bound <= 0 answers that bound */
    assert_double_equal(hf_prom_histogram_quantile(0.2, le_neg, cum3, 3), -1, 1e-12);
    /* rank 7.5 in (-1, 0] */
    assert_double_equal(hf_prom_histogram_quantile(0.75, le_neg, cum3, 3), -0.5, 1e-12);
}

/* ---- statistics ------------------------------------------------------------------ */

static void test_stats_first_then_delta(void **state)
{
    hf_prom_api_state st = {0};
    hf_prom_api_stats s;

    (void)state;
    compute("helixflow.prom", NULL, T0, &st, &s);
    assert_true(!s.delta && !s.reset && s.requests == 10000 && s.errors == 60);
    assert_true(s.d_requests == 10000 && s.d_errors == 60);
    assert_true(isnan(s.rate));
    assert_double_equal(s.error_pct, 0.6, 1e-12);
    assert_int_equal(s.lat_source, HF_PROM_LAT_HISTOGRAM);
    /* rank 5000 at the top of (0.05, 0.1]; 9500 in (0.5, 1]: 0.5 + 0.5 * 200/400;
     * 9900 at the top of (1, 2.5] */
    assert_double_equal(s.p50, 0.1, 1e-12);
    assert_double_equal(s.p95, 0.75, 1e-12);
    assert_double_equal(s.p99, 2.5, 1e-12);
    assert_double_equal(s.queue, 6, 0);
    assert_string_equal(s.queue_metric, "helixflow_queue_depth");
    assert_null(s.ttft_metric);
    assert_null(s.tokens_metric);
    assert_true(isnan(s.kv_cache_pct) && isnan(s.gpu_util_pct) && isnan(s.ttft_p95));
    assert_true(st.valid);
    assert_true(st.time == T0 && st.requests == 10000 && st.errors == 60);
    assert_int_equal(st.dur.n, 12);

    /* 60 s later: +1200 requests, +20 errors; the delta histogram is
     * 0 0 0 100 300 600 900 1000 1100 1180 1195 1200 */
    compute("helixflow_next.prom", NULL, T0 + 60, &st, &s);
    assert_true(s.delta && !s.reset);
    assert_double_equal(s.interval, 60, 1e-9);
    assert_true(s.requests == 11200 && s.d_requests == 1200 && s.d_errors == 20);
    assert_double_equal(s.rate, 20, 1e-12);
    assert_double_equal(s.error_pct, 100.0 * 20 / 1200, 1e-12);
    /* rank 600 at the top of (0.1, 0.25]; 1140 in (2.5, 5]: 2.5 + 2.5 * 40/80;
     * 1188 in (5, 10]: 5 + 5 * 8/15 */
    assert_double_equal(s.p50, 0.25, 1e-12);
    assert_double_equal(s.p95, 3.75, 1e-12);
    assert_double_equal(s.p99, 5 + 5 * 8.0 / 15, 1e-12);
    assert_true(isnan(s.queue));
    assert_null(s.queue_metric);
    assert_string_equal(s.note, "");

    /* the gateway restarted: the new counters are the delta; the histogram
     * has another layout, so its quantiles are cumulative */
    compute("helixflow_reset.prom", NULL, T0 + 120, &st, &s);
    assert_true(s.delta && s.reset && s.d_requests == 300 && s.d_errors == 3);
    assert_double_equal(s.rate, 5, 1e-12);
    assert_double_equal(s.error_pct, 1, 1e-12);
    /* rank 150 in (0.1, 0.5]: 0.1 + 0.4 * 50/180; 285 in (0.5, 1]: 0.5 + 0.5 * 5/20 */
    assert_double_equal(s.p50, 0.1 + 0.4 * 50 / 180, 1e-12);
    assert_double_equal(s.p95, 0.625, 1e-12);
    assert_string_equal(s.note, "histogram bucket layout changed since the previous run");
}

static void test_stats_histogram_reset(void **state)
{
    static const char before[] =
        "api_requests_total{code=\"200\"} 1000\n"
        "# TYPE api_request_duration_seconds histogram\n"
        "api_request_duration_seconds_bucket{le=\"1\"} 900\n"
        "api_request_duration_seconds_bucket{le=\"+Inf\"} 1000\n";
    static const char after[] =      /* restarted: 100 requests, 50 of them slow */
        "api_requests_total{code=\"200\"} 1200\n"       /* another series kept it growing */
        "# TYPE api_request_duration_seconds histogram\n"
        "api_request_duration_seconds_bucket{le=\"1\"} 50\n"
        "api_request_duration_seconds_bucket{le=\"+Inf\"} 100\n";
    hf_prom_api_state st = {0};
    hf_prom_api_stats s;
    hf_prom_doc *doc = parse_str(before);

    (void)state;
    assert_int_equal(hf_prom_api_compute(doc, NULL, T0, &st, &s), 0);
    hf_prom_doc_free(doc);
    doc = parse_str(after);
    assert_int_equal(hf_prom_api_compute(doc, NULL, T0 + 10, &st, &s), 0);
    hf_prom_doc_free(doc);
    assert_true(s.reset);
    assert_double_equal(s.rate, 20, 1e-12);
    /* the new counts are the delta: rank 50 at the top of (0, 1], 95 in +Inf */
    assert_double_equal(s.p50, 1, 1e-12);
    assert_double_equal(s.p95, 1, 1e-12);
    assert_true(isnan(s.error_pct) == false && s.error_pct == 0);
    /* no traffic at all in the next interval: no ratio, no quantiles */
    doc = parse_str(after);
    assert_int_equal(hf_prom_api_compute(doc, NULL, T0 + 20, &st, &s), 0);
    hf_prom_doc_free(doc);
    assert_false(s.reset);
    assert_true(s.rate == 0 && s.d_requests == 0);
    assert_true(isnan(s.error_pct) && isnan(s.p50) && isnan(s.p95) && isnan(s.p99));
}

static void test_stats_summary(void **state)
{
    hf_prom_api_state st = {0};
    hf_prom_api_stats s;

    (void)state;
    compute("helixflow_summary.prom", NULL, T0, &st, &s);
    assert_int_equal(s.lat_source, HF_PROM_LAT_SUMMARY);
    assert_true(s.requests == 15060 && s.errors == 60);
    assert_true(s.p50 == 0.1 && s.p95 == 0.45 && s.p99 == 2.5);
    assert_int_equal(st.dur.n, 0);
    compute("helixflow_summary.prom", NULL, T0 + 30, &st, &s);
    assert_true(s.delta && s.rate == 0);
    assert_true(s.p95 == 0.45);         /* the exporter's own window */

    /* several series: the worst of each quantile */
    hf_prom_doc *doc = parse_str("api_requests_total 5\n# TYPE api_request_duration_seconds summary\n"
                                 "api_request_duration_seconds{m=\"a\",quantile=\"0.95\"} 0.2\n"
                                 "api_request_duration_seconds{m=\"b\",quantile=\"0.95\"} 0.7\n"
                                 "api_request_duration_seconds{m=\"b\",quantile=\"0.99\"} NaN\n");
    assert_int_equal(hf_prom_api_compute(doc, NULL, T0, NULL, &s), 0);
    assert_true(s.p95 == 0.7 && isnan(s.p50) && isnan(s.p99));
    hf_prom_doc_free(doc);
}

static void test_stats_vllm(void **state)
{
    const hf_prom_api_config cfg = {
        .requests_metric = "vllm:request_success_total",
        .duration_metric = "vllm:e2e_request_latency_seconds",
        .error_label = "finished_reason",
        .error_regex = "^length$",
    };
    hf_prom_api_state st = {0};
    hf_prom_api_stats s;

    (void)state;
    compute("vllm.prom", &cfg, T0, &st, &s);
    assert_true(s.requests == 400 && s.errors == 20);
    assert_double_equal(s.error_pct, 5, 1e-12);
    /* rank 200 at the top of (1.0, 1.5]; 380 at the top of (2.5, 5.0] */
    assert_double_equal(s.p50, 1.5, 1e-12);
    assert_double_equal(s.p95, 5.0, 1e-12);
    assert_double_equal(s.queue, 2, 0);
    assert_string_equal(s.queue_metric, "vllm:num_requests_waiting");
    assert_double_equal(s.kv_cache_pct, 43.75, 1e-12);
    assert_string_equal(s.kv_metric, "vllm:gpu_cache_usage_perc");
    /* TTFT rank 380 in (0.5, 0.75]: 0.5 + 0.25 * 4/16 */
    assert_double_equal(s.ttft_p95, 0.5625, 1e-12);
    assert_string_equal(s.ttft_metric, "vllm:time_to_first_token_seconds");
    assert_string_equal(s.tokens_metric, "vllm:generation_tokens_total");
    assert_true(isnan(s.tokens_per_s) && isnan(s.gpu_util_pct));
    assert_true(st.has_tokens && st.tokens == 123456 && st.ttft.n == 17);
}

static void test_stats_triton(void **state)
{
    const hf_prom_api_config cfg = {.requests_metric = "nv_inference_request_success"};
    hf_prom_api_stats s;

    (void)state;
    compute("triton.prom", &cfg, T0, NULL, &s);
    assert_true(s.requests == 200 && s.errors == 0);
    assert_int_equal(s.lat_source, HF_PROM_LAT_NONE);
    assert_true(isnan(s.p95));
    assert_double_equal(s.queue, 4, 0);
    assert_string_equal(s.queue_metric, "nv_inference_pending_request_count");
    assert_double_equal(s.gpu_util_pct, 87.5, 1e-12);
    assert_string_equal(s.gpu_metric, "nv_gpu_utilization");
    /* rank 95 in (100, 200] ms: 100 + 100 * 1/4 = 125 ms */
    assert_double_equal(s.ttft_p95, 0.125, 1e-12);
    assert_string_equal(s.ttft_metric, "nv_inference_first_response_histogram_ms");
    assert_true(isnan(s.kv_cache_pct));
    assert_null(s.tokens_metric);
}

static void test_stats_tgi_tokens(void **state)
{
    const hf_prom_api_config cfg = {.requests_metric = "tgi_request_count",
                                    .duration_metric = "tgi_request_duration"};
    hf_prom_api_state st = {0};
    hf_prom_api_stats s;

    (void)state;
    compute("tgi.prom", &cfg, T0, &st, &s);
    assert_double_equal(s.queue, 7, 0);
    assert_string_equal(s.queue_metric, "tgi_queue_size");
    /* rank 1377.5 in (1, 2.5]: 1 + 1.5 * 277.5/300 */
    assert_double_equal(s.p95, 1 + 1.5 * 277.5 / 300, 1e-12);
    assert_string_equal(s.tokens_metric, "tgi_request_generated_tokens_sum");
    compute("tgi_next.prom", &cfg, T0 + 10, &st, &s);
    assert_double_equal(s.tokens_per_s, 600, 1e-12);
    assert_double_equal(s.queue, 2, 0);
    assert_true(s.rate == 0);
    assert_true(isnan(s.p95));          /* no request finished in between */
}

static void test_stats_errors(void **state)
{
    hf_prom_api_stats s;
    hf_prom_api_config cfg = {.error_regex = "("};
    hf_prom_doc *doc = parse_fixture("helixflow.prom");
    hf_prom_api_state st = {0};

    (void)state;
    assert_int_equal(hf_prom_api_compute(doc, &cfg, T0, &st, &s), -EINVAL);
    assert_true(strncmp(s.error, "bad error regex '(': ", 21) == 0);
    assert_false(st.valid);
    cfg = (hf_prom_api_config){.requests_metric = "http_requests_total"};
    assert_int_equal(hf_prom_api_compute(doc, &cfg, T0, &st, &s), -ENOENT);
    assert_string_equal(s.error, "no http_requests_total samples in the page");
    /* status class 4xx and 5xx via the regex; another label */
    cfg = (hf_prom_api_config){.error_regex = "^(4|5)"};
    assert_int_equal(hf_prom_api_compute(doc, &cfg, T0, NULL, &s), 0);
    assert_true(s.errors == 60);
    cfg = (hf_prom_api_config){.error_label = "endpoint", .error_regex = "^/v1/completions$"};
    assert_int_equal(hf_prom_api_compute(doc, &cfg, T0, NULL, &s), 0);
    assert_true(s.errors == 5040);
    hf_prom_doc_free(doc);
    assert_int_equal(hf_prom_api_compute(NULL, NULL, T0, NULL, &s), -EINVAL);

    doc = parse_str("api_requests_total 3\n# TYPE api_request_duration_seconds histogram\n"
                    "api_request_duration_seconds_bucket{le=\"1\"} 3\n");
    assert_int_equal(hf_prom_api_compute(doc, NULL, T0, NULL, &s), -EINVAL);
    assert_string_equal(s.error, "histogram api_request_duration_seconds has no le=\"+Inf\" bucket");
    hf_prom_doc_free(doc);

    /* an untyped page (no TYPE lines) still has buckets */
    doc = parse_str("api_requests_total 4\napi_request_duration_seconds_bucket{le=\"2\"} 4\n"
                    "api_request_duration_seconds_bucket{le=\"+Inf\"} 4\n");
    assert_int_equal(hf_prom_api_compute(doc, NULL, T0, NULL, &s), 0);
    assert_int_equal(s.lat_source, HF_PROM_LAT_HISTOGRAM);
    assert_double_equal(s.p50, 1, 1e-12);
    hf_prom_doc_free(doc);

    /* ... but no negative bucket (the parser refuses one in a typed histogram) */
    doc = parse_str("api_requests_total 4\napi_request_duration_seconds_bucket{le=\"2\"} -50\n"
                    "api_request_duration_seconds_bucket{le=\"+Inf\"} 4\n");
    assert_int_equal(hf_prom_api_compute(doc, NULL, T0, NULL, &s), -EINVAL);
    assert_string_equal(s.error, "line 2: negative bucket population -50 for api_request_duration_seconds_bucket");
    hf_prom_doc_free(doc);

    compute("crlf.prom", NULL, T0, NULL, &s);
    assert_true(s.requests == 100 && s.error_pct == 10 && s.lat_source == HF_PROM_LAT_NONE);

    /* the clock went back: cumulative figures again */
    compute("helixflow.prom", NULL, T0, &st, &s);
    compute("helixflow_next.prom", NULL, T0 - 5, &st, &s);
    assert_false(s.delta);
    assert_true(isnan(s.rate));
    assert_string_equal(s.note, "the clock went back since the previous run");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_own_page),
        cmocka_unit_test(test_parse_vllm),
        cmocka_unit_test(test_parse_triton_tgi),
        cmocka_unit_test(test_parse_crlf_and_blanks),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_bounds),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_format_rules),
        cmocka_unit_test(test_format_rules_ok),
        cmocka_unit_test(test_malformed_ok_neighbours),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_quantile_math),
        cmocka_unit_test(test_stats_first_then_delta),
        cmocka_unit_test(test_stats_histogram_reset),
        cmocka_unit_test(test_stats_summary),
        cmocka_unit_test(test_stats_vllm),
        cmocka_unit_test(test_stats_triton),
        cmocka_unit_test(test_stats_tgi_tokens),
        cmocka_unit_test(test_stats_errors),
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_state_truncated),
        cmocka_unit_test(test_state_garbage),
        cmocka_unit_test(test_state_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
