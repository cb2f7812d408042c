"""Visit plans and visit records (拜访计划 / 回访)."""
