"""The golden audit corpus: exports of a synthetic clearinghouse log, clean and tampered."""
