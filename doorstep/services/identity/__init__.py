"""Real identity (实名认证): checks with a provider, the counter, conflicts a person decides."""
