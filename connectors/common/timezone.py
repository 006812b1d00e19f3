"""The platform's time zone, in one place: Kaifeng's, Asia/Shanghai (UTC+8 all year, no
daylight saving). Days, months and schedules are Kaifeng's; instants are stored in UTC."""

from datetime import timedelta, timezone

TZ_NAME = "Asia/Shanghai"
SHANGHAI = timezone(timedelta(hours=8))  # the fixed offset: the same instant in every library
