"""The mapping layer: pure tables and converters between SSPI and GSS terms.

Nothing here imports gssapi; the gss layer hands over plain numbers and
strings, and these modules turn them into SSPI flags, statuses, names,
buffer layouts and credential requests.
"""
