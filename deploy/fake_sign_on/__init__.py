"""HTTP double of the WeCom and DingTalk sign-in APIs (tests and demo)."""
