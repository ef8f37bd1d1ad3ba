/* hf_http: placeholder until the probe is written. */
