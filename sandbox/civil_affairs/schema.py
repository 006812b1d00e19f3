"""The civil-affairs register's own schema, as its data dictionary (数据字典) documents it.

The stand-in creates its tables from this, not from what the connector expects
(connectors/civil_affairs/schema.py): the two are declared apart, as a real register and a
connector written against its documentation are, so a change on either side shows up in the
connector's tests instead of changing both at once. Types are written as the dictionary has
them; every table keeps its last change (``update_time``, indexed) and soft deletion
(``is_deleted``).
"""

from __future__ import annotations

import re

from sqlalchemy import BigInteger, Column, Date, DateTime, MetaData, SmallInteger, String, Table

# table: [(column, type, "PK" / "NN" / "", 中文名)]
DICTIONARY: dict[str, list[tuple[str, str, str, str]]] = {
    "t_mz_jtxx": [  # 家庭户
        ("jt_id", "varchar(20)", "PK", "家庭编号"),
        ("hz_xm", "varchar(40)", "", "户主姓名"),
        ("hz_sfzh", "varchar(20)", "", "户主身份证号"),
        ("lxdh", "varchar(20)", "", "联系电话"),
        ("jtzz", "varchar(200)", "", "家庭住址"),
        ("sq_bm", "varchar(12)", "", "村社区代码"),
        ("wg_bm", "varchar(16)", "", "网格编码"),
    ],
    "t_mz_jzdx": [  # 救助对象
        ("dx_id", "varchar(20)", "PK", "对象编号"),
        ("jt_id", "varchar(20)", "NN", "家庭编号"),
        ("xm", "varchar(40)", "", "姓名"),
        ("sfzh", "varchar(20)", "", "身份证号"),
        ("jzlb", "varchar(4)", "", "救助类别 DB/TK/LS/CJ/GL"),
        ("ksrq", "date", "", "开始日期"),
        ("jsrq", "date", "", "结束日期"),
    ],
    "t_mz_jzff": [  # 救助金发放
        ("ff_id", "varchar(24)", "PK", "发放编号"),
        ("dx_id", "varchar(20)", "NN", "对象编号"),
        ("ffny", "varchar(7)", "", "发放年月 yyyy-mm"),
        ("ffje_fen", "bigint", "", "发放金额（分）"),
        ("ffrq", "date", "", "发放日期"),
    ],
    "t_mz_ywsq": [  # 业务申请
        ("sq_id", "varchar(20)", "PK", "申请编号"),
        ("jt_id", "varchar(20)", "NN", "家庭编号"),
        ("sqlx", "varchar(4)", "", "申请类型"),
        ("sqsj", "datetime", "", "申请时间"),
        ("blqx", "datetime", "", "办理期限"),
        ("blzt", "varchar(8)", "", "办理状态 受理/审核/办结/驳回"),
        ("bjsj", "datetime", "", "办结时间"),
        ("bl_bm", "varchar(20)", "", "办理部门"),
    ],
    "t_mz_rhzf": [  # 入户走访
        ("zf_id", "varchar(20)", "PK", "走访编号"),
        ("jt_id", "varchar(20)", "NN", "家庭编号"),
        ("wgy_id", "varchar(12)", "", "网格员编号"),
        ("zfsj", "datetime", "", "走访时间"),
        ("zfqk", "varchar(200)", "", "走访情况"),
        ("sfyzx", "smallint", "", "是否有诉求"),
    ],
}
# what the stand-in calls each table
NAMES = {
    "households": "t_mz_jtxx",
    "recipients": "t_mz_jzdx",
    "payments": "t_mz_jzff",
    "applications": "t_mz_ywsq",
    "visits": "t_mz_rhzf",
}


def _type(spec: str):
    kind, size = re.fullmatch(r"(\w+)(?:\((\d+)\))?", spec).groups()
    return {
        "varchar": lambda: String(int(size)),
        "date": Date,
        "datetime": DateTime,
        "bigint": BigInteger,
        "smallint": SmallInteger,
    }[kind]()


metadata = MetaData()
TABLES: dict[str, Table] = {
    name: Table(
        NAMES[name],
        metadata,
        *(
            Column(column, _type(spec), primary_key=flag == "PK", nullable=flag == "", comment=comment)
            for column, spec, flag, comment in DICTIONARY[NAMES[name]]
        ),
        Column("update_time", DateTime, nullable=False, index=True, comment="更新时间"),
        Column("is_deleted", SmallInteger, nullable=False, default=0, comment="删除标志"),
    )
    for name in NAMES
}
