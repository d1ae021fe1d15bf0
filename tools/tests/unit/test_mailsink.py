"""make run's mail sink prints a mail as people read it: decoded Chinese, recipients, Message-ID."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from ztc_tools.mailsink import PrintingHandler, render


def chinese_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "科技成果直通车 <notify@ztc.example.cn>"
    message["To"] = "host@demo.example.cn"
    message["Subject"] = "【直通车】跟踪案例逾期未跟进"
    message["Message-ID"] = "<k1@notify.ztc.example.cn>"
    message.set_content("您好：案例 case-1 已逾期，请尽快填报跟踪记录。")
    return message


def test_a_mail_is_printed_decoded() -> None:
    text = render("notify@ztc.example.cn", ["host@demo.example.cn"], chinese_mail().as_bytes())
    assert "主题 Subject:    【直通车】跟踪案例逾期未跟进" in text
    assert "案例 case-1 已逾期" in text
    assert "host@demo.example.cn" in text
    assert "<k1@notify.ztc.example.cn>" in text


def test_the_sink_is_a_real_smtp_server(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(PrintingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            refused = client.send_message(chinese_mail())
    finally:
        controller.stop()
    assert refused == {}
    assert "跟踪案例逾期未跟进" in capsys.readouterr().out
