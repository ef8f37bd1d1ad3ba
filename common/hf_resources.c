/* hf_resources: placeholder until the probe is written. */
