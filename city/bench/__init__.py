"""`timebank bench`: the system's figures beside this machine's own ceilings, measured in the same run."""
