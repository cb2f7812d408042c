"""Collection (催款) and credit control: dunning runs, collection tasks, credit limits."""
