"""HTTP doubles of the WeCom (企业微信) and DingTalk (钉钉) group-robot webhooks."""
