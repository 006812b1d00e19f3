"""The civil-affairs database as the connector reads it, in the source's own style
(t_ prefixes, pinyin-ish columns); the stand-in creates the same schema.

Every table has ``update_time`` and soft deletion (``is_deleted``). Created with SQLAlchemy
Core, so the same schema stands on SQLite, MariaDB/MySQL or PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, MetaData, SmallInteger, String, Table

metadata = MetaData()


def _change_tracking() -> list[Column]:
    """The columns every table has: when the row last changed, and its soft deletion."""
    return [
        Column("update_time", DateTime, nullable=False, index=True),
        Column("is_deleted", SmallInteger, nullable=False, default=0),
    ]


# 家庭户 households (户主 = head of household)
household = Table(
    "t_mz_jtxx",
    metadata,
    Column("jt_id", String(20), primary_key=True),
    Column("hz_xm", String(40)),  # 户主姓名
    Column("hz_sfzh", String(20)),  # 户主身份证号
    Column("lxdh", String(20)),  # 联系电话
    Column("jtzz", String(200)),  # 家庭住址
    Column("sq_bm", String(12)),  # 村社区代码
    Column("wg_bm", String(16)),  # 网格编码
    *_change_tracking(),
)

# 救助对象 recipients
recipient = Table(
    "t_mz_jzdx",
    metadata,
    Column("dx_id", String(20), primary_key=True),
    Column("jt_id", String(20), nullable=False),
    Column("xm", String(40)),
    Column("sfzh", String(20)),
    Column("jzlb", String(4)),  # DB 低保 / TK 特困 / LS 临时救助 / CJ 残疾 / GL 高龄
    Column("ksrq", Date),  # 开始日期
    Column("jsrq", Date),  # 结束日期
    *_change_tracking(),
)

# 救助金发放 payments
payment = Table(
    "t_mz_jzff",
    metadata,
    Column("ff_id", String(24), primary_key=True),
    Column("dx_id", String(20), nullable=False),
    Column("ffny", String(7)),  # 发放年月 yyyy-mm
    Column("ffje_fen", BigInteger),  # 金额（分）
    Column("ffrq", Date),
    *_change_tracking(),
)

# 业务申请 applications (a convenience service with a processing deadline)
application = Table(
    "t_mz_ywsq",
    metadata,
    Column("sq_id", String(20), primary_key=True),
    Column("jt_id", String(20), nullable=False),
    Column("sqlx", String(4)),  # 申请类型, as jzlb
    Column("sqsj", DateTime),  # 申请时间
    Column("blqx", DateTime),  # 办理期限
    Column("blzt", String(8)),  # 办理状态: 受理 / 审核 / 办结 / 驳回
    Column("bjsj", DateTime),  # 办结时间
    Column("bl_bm", String(20)),  # 办理部门
    *_change_tracking(),
)

# 入户走访 home visits by grid workers
visit = Table(
    "t_mz_rhzf",
    metadata,
    Column("zf_id", String(20), primary_key=True),
    Column("jt_id", String(20), nullable=False),
    Column("wgy_id", String(12)),  # 网格员编号
    Column("zfsj", DateTime),  # 走访时间
    Column("zfqk", String(200)),  # 走访情况
    Column("sfyzx", SmallInteger),  # 是否有诉求 (1: needs follow-up)
    *_change_tracking(),
)

TABLES = {
    "households": household,
    "recipients": recipient,
    "payments": payment,
    "applications": application,
    "visits": visit,
}
PRIMARY_KEYS = {name: t.primary_key.columns.values()[0].name for name, t in TABLES.items()}
