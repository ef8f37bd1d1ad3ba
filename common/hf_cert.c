/* hf_cert: placeholder until the probe is written. */
