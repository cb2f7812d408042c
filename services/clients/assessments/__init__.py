"""Needs and relationship assessments (大客户需求分析表 / 大客户关系评估表)."""
