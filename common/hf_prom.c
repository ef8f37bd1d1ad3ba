/* hf_prom: placeholder until the probe is written. */
