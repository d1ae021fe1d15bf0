"""``ztc-token``: mint a development token.

ztc-token --role support_org --region 440000 --sub agency-001 --org org-gdttc --name 广东省技术转移中心
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from ztc_shared.auth.tokens import Role, mint_token
from ztc_shared.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ztc-token", description="Mint a development JWT (HS256)."
    )
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--region", default=None, help="GB/T 2260 code, default: REGION setting")
    parser.add_argument("--sub", required=True, help="subject: the user's id")
    parser.add_argument("--name", default=None, help="display name")
    parser.add_argument("--org", default=None, help="the id of the user's organisation")
    parser.add_argument("--hours", type=float, default=12.0)
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    token = mint_token(
        settings,
        subject=args.sub,
        role=args.role,
        region=args.region or settings.region,
        name=args.name,
        organisation=args.org,
        ttl=timedelta(hours=args.hours),
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
