"""The double-entry ledger shared by nodes and the clearinghouse: pure values and rules."""
