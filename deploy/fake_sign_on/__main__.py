"""Run the WeCom/DingTalk sign-in double:
``python -m deploy.fake_sign_on --port 8010 --wecom-corp-id ww… --wecom-secret …
--dingtalk-client-id ding… --dingtalk-client-secret …``."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from deploy.fake_sign_on.app import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.fake_sign_on")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--wecom-corp-id", default="ww-kam-demo")
    parser.add_argument("--wecom-secret", default="wecom-demo-secret")
    parser.add_argument("--dingtalk-client-id", default="ding-kam-demo")
    parser.add_argument("--dingtalk-client-secret", default="dingtalk-demo-secret")
    args = parser.parse_args(argv)
    app = create_app(
        wecom_corp_id=args.wecom_corp_id,
        wecom_secret=args.wecom_secret,
        dingtalk_client_id=args.dingtalk_client_id,
        dingtalk_client_secret=args.dingtalk_client_secret,
    )
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, timeout_graceful_shutdown=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
