/* State-file tests of tests/unit/test_prom.c (hf_prom_api_state_save and
 * _load). Included by test_prom.c only, after test_prom_helpers.h (static
 * functions). */
#ifndef TEST_PROM_STATE_H
#define TEST_PROM_STATE_H

/* ---- state file ---------------------------------------------------------------- */

static void test_state_roundtrip(void **state)
{
    char dir[] = "/tmp/hf-test-prom-XXXXXX", path[256], err[512];
    hf_prom_api_state st = {0}, back;
    hf_prom_api_stats s;
    const hf_prom_api_config cfg = {.requests_metric = "vllm:request_success_total",
                                    .duration_metric = "vllm:e2e_request_latency_seconds"};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/api.state", dir);
    assert_int_equal(hf_prom_api_state_load(&back, path, err, sizeof(err)), -ENOENT);
    assert_false(back.valid);

    compute("vllm.prom", &cfg, T0 + 0.123456789, &st, &s);
    assert_int_equal(hf_prom_api_state_save(&st, path, err, sizeof(err)), 0);
    assert_int_equal(hf_prom_api_state_load(&back, path, err, sizeof(err)), 0);
    assert_true(back.valid);
    assert_true(back.time == st.time && back.requests == st.requests && back.errors == st.errors);
    assert_true(back.has_tokens && back.tokens == st.tokens && back.dur.n == st.dur.n && back.ttft.n == st.ttft.n);
    assert_memory_equal(back.dur.le, st.dur.le, st.dur.n * sizeof(double));
    assert_memory_equal(back.dur.count, st.dur.count, st.dur.n * sizeof(double));
    assert_memory_equal(back.ttft.le, st.ttft.le, st.ttft.n * sizeof(double));
    assert_memory_equal(back.ttft.count, st.ttft.count, st.ttft.n * sizeof(double));
    assert_true(isinf(back.dur.le[back.dur.n - 1]));

    /* a run with the loaded state behaves as with the in-memory one */
    hf_prom_api_stats s2;
    compute("vllm.prom", &cfg, T0 + 10.123456789, &back, &s2);
    assert_true(s2.delta && s2.rate == 0 && isnan(s2.p95));
    assert_double_equal(s2.tokens_per_s, 0, 0);

    /* a state without tokens and histograms */
    hf_prom_api_state small = {.valid = true, .time = 5, .requests = 1, .errors = 0};
    assert_int_equal(hf_prom_api_state_save(&small, path, err, sizeof(err)), 0);
    assert_int_equal(hf_prom_api_state_load(&back, path, err, sizeof(err)), 0);
    assert_true(back.valid && !back.has_tokens && back.dur.n == 0 && back.time == 5);

    static const struct { const char *text; const char *want; } bad[] = {
        {"garbage\n", "line 1: not a state line"},
        {"helixflow-prom-state 1\ntime x\n", "line 2: not a state line"},
        {"helixflow-prom-state 1\ntime 1\nrequests 2\nbogus 3\n", "line 4: not a state line"},
        {"helixflow-prom-state 1\ntime 1\nrequests 2\nerrors 0\ndur 1 5\ndur 0.5 3\n", "line 6: not a state line"},
        {"helixflow-prom-state 1\ntime 1\nrequests 2\nerrors 0\ndur +Inf -1\n", "line 5: not a state line"},
        {"helixflow-prom-state 1\ntime 1\nrequests 2\n", ": incomplete state (time, requests and errors needed)"},
        {"", ": incomplete state (time, requests and errors needed)"},
    };
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++) {
        char want[512];
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_true(fputs(bad[i].text, f) >= 0 && fclose(f) == 0);
        assert_int_equal(hf_prom_api_state_load(&back, path, err, sizeof(err)), -EINVAL);
        assert_false(back.valid);
        snprintf(want, sizeof(want), "%s%s%s", path, bad[i].want[0] == ':' ? "" : " ", bad[i].want);
        assert_string_equal(err, want);
    }
    /* an unwritable place */
    snprintf(path, sizeof(path), "%s/missing/api.state", dir);
    assert_true(hf_prom_api_state_save(&st, path, err, sizeof(err)) == -ENOENT);
    snprintf(path, sizeof(path), "%s/api.state", dir);
    unlink(path);
    rmdir(dir);
}

#endif
