"""Product and service catalogue (产品/服务目录): what quotations and contracts sell."""
