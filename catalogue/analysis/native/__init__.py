"""The C sources of the analysis engine's fast paths, in one folder with the header they
share (`_buffers.h`: numpy arrays taken through the buffer protocol, refused when their
type or layout is not the one expected). setup.py compiles them at `make install`:

- `_locate`: key store positions (unit_keys/lookup.py);
- `_loops`: output control's inner loops (output_control/fingerprint.py, cell_key.py,
  magnitudes.py, model_support.py).

Each is optional: the module that uses one keeps a numpy version of the same computation,
run where the extension could not be built, and a test holds the two equal."""
