"""Generated code of the wire contract, version 1 (from proto/timebank/v1). Never edited by hand."""
