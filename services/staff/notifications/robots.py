"""Group robots of WeCom (企业微信) and DingTalk (钉钉): team-level items go to a team's
group chat through the platform's webhook. DingTalk signs: ``timestamp`` (ms) and
``sign`` = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")) in the query string."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, Field

from services.staff.notifications.models import Delivery
from services.staff.notifications.senders import SendFailed


class RobotPlatform(StrEnum):
    WECOM = "wecom"
    DINGTALK = "dingtalk"


class GroupRobot(BaseModel):
    """One team's group robot (from the ``STAFF_GROUP_ROBOTS`` setting, never from a request)."""

    name: str = Field(min_length=1, max_length=64)
    department_id: int
    platform: RobotPlatform
    webhook: str
    secret: str | None = None


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of a robot call."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def robot_text(delivery: Delivery) -> dict[str, Any]:
    """The text message both platforms accept."""
    return {"msgtype": "text", "text": {"content": f"{delivery.subject}\n{delivery.body}"}}


class RobotSender:
    """Posts to the robot named in ``delivery.address``; errcode 0 is success."""

    def __init__(self, robots: list[GroupRobot], timeout_seconds: float) -> None:
        self.robots = {robot.name: robot for robot in robots}
        self.timeout_seconds = timeout_seconds

    async def send(self, delivery: Delivery) -> None:
        robot = self.robots.get(delivery.address)
        if robot is None:
            raise SendFailed(f"no group robot named {delivery.address!r}")
        params: dict[str, str] = {}
        if robot.platform is RobotPlatform.DINGTALK and robot.secret:
            timestamp = int(time.time() * 1000)
            params = {"timestamp": str(timestamp), "sign": dingtalk_sign(robot.secret, timestamp)}
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout_seconds, follow_redirects=False
            ) as client:
                # The webhook's own query (key, access_token) stays; the signature joins it.
                url = httpx.URL(robot.webhook).copy_merge_params(params)
                response = await client.post(url, json=robot_text(delivery))
        except httpx.HTTPError as exc:
            raise SendFailed(f"{robot.platform}: {exc!r}"[:500]) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or answer.get("errcode") != 0:
            raise SendFailed(f"{robot.platform}: {response.status_code} {answer}"[:500])
