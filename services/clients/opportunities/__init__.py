"""Sales opportunities (销售机会): the pipeline between a prospect and a signed contract."""
