"""An account's timeline (客户动态): what happened to it, across its records, newest first."""
