/* hf_process: placeholder until the probe is written. */
