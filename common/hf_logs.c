/* hf_logs: placeholder until the probe is written. */
