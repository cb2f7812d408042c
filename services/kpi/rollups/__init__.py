"""Roll-ups (汇总) and exports of appraisal results."""
