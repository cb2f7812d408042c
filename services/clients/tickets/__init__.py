"""Service tickets and complaints (投诉 / 需求工作单) with service-level deadlines."""
