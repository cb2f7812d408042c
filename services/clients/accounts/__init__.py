"""Key accounts (大客户): records, grading, credit score."""
