"""Synthetic stores for load tests (`workbench generate`): realistic, consistent, deterministic for a seed.

Every row is drawn from one `random.Random(seed)` around a fixed anchor (the clock's now) and written
with SQLAlchemy Core bulk inserts, ids assigned here so nothing has to be read back. Orders and tasks
cover every state of their state machines; deadlines come from the domain functions; money is one
balanced journal per movement (top-up, hold or freeze, then settlement, refund or compensation), and
account balances are the sums of their postings. No audit history is written.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from workbench.bootstrap import Workbench
from workbench.domain.agency import service_fee, split_fee
from workbench.domain.orders import (
    OrderStatus, check_exclusive_share, deadlines, latest_after_auto_confirm, latest_after_schedule, proportional,
)
from workbench.domain.tasks import Outcome, merchant_cancel_rule, timeout_due
from workbench.domain.validate import CATEGORIES
from workbench.store.models import Account, Base, UTCDateTime

Progress = Callable[[str], None]

MIN, HOUR, DAY = 60, 3600, 86400
ZONE = "Asia/Shanghai"
HISTORY_DAYS = 120          # finished records spread over this many days before the anchor

# ---- words the names are built from ------------------------------------------------------------

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
            ("罗", "luo"), ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
            ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng")]
GIVEN = [("晓", "xiao"), ("佳", "jia"), ("怡", "yi"), ("思", "si"), ("远", "yuan"), ("磊", "lei"), ("昊", "hao"),
         ("婷", "ting"), ("雨", "yu"), ("欣", "xin"), ("子", "zi"), ("涵", "han"), ("浩", "hao"), ("宇", "yu"),
         ("静", "jing"), ("敏", "min"), ("丽", "li"), ("强", "qiang"), ("伟", "wei"), ("芳", "fang"),
         ("娜", "na"), ("杰", "jie"), ("琳", "lin"), ("萌", "meng"), ("瑶", "yao"), ("鑫", "xin"),
         ("凯", "kai"), ("悦", "yue"), ("诗", "shi"), ("航", "hang")]
BRAND = [("山", "shan"), ("味", "wei"), ("青", "qing"), ("妍", "yan"), ("木", "mu"), ("衣", "yi"), ("安", "an"),
         ("居", "ju"), ("芯", "xin"), ("派", "pai"), ("贝", "bei"), ("芽", "ya"), ("云", "yun"), ("锦", "jin"),
         ("花", "hua"), ("语", "yu"), ("星", "xing"), ("禾", "he"), ("初", "chu"), ("棠", "tang"), ("森", "sen"),
         ("谷", "gu"), ("茶", "cha"), ("梦", "meng"), ("朵", "duo"), ("米", "mi"), ("果", "guo"), ("蓝", "lan"),
         ("鹿", "lu"), ("橙", "cheng")]
CITIES = ["杭州", "上海", "广州", "深圳", "宁波", "义乌", "成都", "武汉", "南京", "苏州", "厦门", "长沙", "西安",
          "青岛", "郑州", "合肥", "临沂", "泉州", "佛山", "东莞"]
INDUSTRY = {"美妆": "生物科技", "个护": "日化用品", "食品": "食品", "服饰": "服饰", "家居": "家居用品",
            "数码": "电子科技", "母婴": "母婴用品"}
GOODS = {
    "美妆": ["玻尿酸保湿精华液 30ml", "修护舒缓面霜 50g", "丝绒雾面口红 3.5g", "氨基酸洁面乳 120g",
           "烟酰胺亮肤精华 30ml", "清透防晒乳 SPF50 50ml", "持妆粉底液 30ml", "温和卸妆油 200ml"],
    "个护": ["控油蓬松洗发水 500ml", "香氛沐浴露 750ml", "亮白牙膏 120g×3", "护手霜礼盒 30g×4",
           "电动牙刷替换刷头 4支", "身体乳 250ml"],
    "食品": ["每日坚果混合装 750g/30袋", "低糖芒果干 120g×5袋", "黑芝麻丸 336g/28颗", "冻干草莓脆 30g×6袋",
           "手工红糖姜茶 12块/盒", "手剥山核桃仁 500g 罐装", "即食燕麦片 1kg", "挂耳咖啡 10g×20包"],
    "服饰": ["纯棉短袖T恤", "高腰直筒牛仔裤", "针织开衫", "防晒冰丝外套", "真丝印花衬衫", "加绒连帽卫衣"],
    "家居": ["全棉四件套 1.8m床", "记忆棉护颈枕", "透明收纳箱 3件套", "香薰蜡烛礼盒", "不粘炒锅 32cm",
           "折叠晾衣架"],
    "数码": ["蓝牙降噪耳机", "20000mAh 充电宝", "氮化镓快充头 65W", "机械键盘 87键", "桌面手机支架", "智能手环"],
    "母婴": ["宝宝原味高铁米粉 250g", "婴儿纸尿裤 L码 54片", "儿童保温杯 400ml", "婴儿湿巾 80抽×6包",
           "宝宝辅食碗套装"],
}
PRICE_YUAN = {"美妆": (59, 399), "个护": (19, 129), "食品": (19, 199), "服饰": (49, 599), "家居": (29, 499),
              "数码": (39, 899), "母婴": (29, 299)}
VARIANTS = ["", "", "", " 新款", " 升级版", " 家庭装", " 礼盒装", " 直播专享"]
TOPICS = {"美妆": "爱美妆", "个护": "好物分享", "食品": "零食铺", "服饰": "穿搭日记", "家居": "家居志",
          "数码": "说数码", "母婴": "育儿经"}
NICK_PREFIX = ["小", "阿", "大", "老", ""]
STORE_SUFFIX = {"taobao": ["天猫旗舰店", "淘宝店", "天猫专营店"], "douyin": ["抖音官方旗舰店", "抖音小店"]}
CLOSE_REASONS = ["样品与描述不符", "样品运输途中破损", "档期冲突, 无法在期限内排期", "样品为仿品"]
REJECT_REASONS = ["档期已满", "类目不匹配", "报价与预期不符", "近期休息"]
CANCEL_REASONS = ["活动计划调整", "库存不足", "预算调整", "主播档期变动"]
CREATOR_CANCEL_REASONS = ["身体不适", "直播设备故障", "档期冲突"]
DISPUTE_RULINGS = ["双方各担部分责任", "主播已完成准备工作, 酌情赔付", "商家临时取消, 按约定赔付"]
COMPLAINT_REASONS = ["超过最晚交付时间仍未直播", "排期后未开播", "未按约定讲解商品"]
PLAN_REJECT_REASONS = ["专属商品讲解时长不足", "直播时间与报备不符", "商品资质待补充"]
TIMEOUT_REASON = "达人 {hours} 小时内未接单"   # the service's own wording (Chinese store)


@dataclass(frozen=True)
class Sizes:
    orders: int = 1000
    tasks: int = 1000
    creators: int = 100
    products: int = 1000
    merchants: int | None = None     # default: one merchant per 50 products

    @property
    def merchant_count(self) -> int:
        wanted = self.merchants if self.merchants is not None else max(5, self.products // 50)
        return max(1, min(wanted, self.products))


# ---- the writer: per-table buffers flushed in foreign-key order ---------------------------------

ORDER = ["users", "merchants", "stores", "creators", "agencies", "products", "accounts", "task_accounts",
         "quotes", "exclusive_items", "coop_orders", "order_products", "complaints", "live_tasks",
         "task_products", "targeted_plans", "disputes", "journals", "postings", "top_ups", "stock_plans",
         "stock_plan_items", "sales", "creator_bindings", "store_bindings", "base_pool", "sign_ins",
         "cart_items", "intents", "notifications"]


class Sink:
    """Buffers rows per table; when a buffer is full, every buffer is written, parents first.

    On SQLite the compiled Core insert runs as the driver's executemany with values converted
    here (times in the dialect's storage format, other columns through their own bind processors),
    which skips per-row parameter handling; `typed=True` sends the same rows through the typed
    `conn.execute(insert(table), rows)`, and the tests check both write identical rows.
    """

    def __init__(self, conn: Connection, chunk: int, typed: bool = False) -> None:
        self.conn = conn
        self.chunk = chunk
        self.typed = typed or conn.dialect.name != "sqlite"
        self.tables: dict[str, Table] = {name: Base.metadata.tables[name] for name in ORDER}
        self.buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in ORDER}
        self.counts: dict[str, int] = {name: 0 for name in ORDER}
        self._writers: dict[tuple[str, tuple[str, ...]], tuple[str, Callable[[Any], tuple], list]] = {}

    def _writer(self, name: str, keys: tuple[str, ...]) -> tuple[str, Callable[[Any], tuple], list]:
        found = self._writers.get((name, keys))
        if found is None:
            table, dialect = self.tables[name], self.conn.dialect
            compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
            order = list(compiled.positiontup or [])
            converters: list[tuple[int, Callable[[Any], Any]]] = []
            for i, key in enumerate(order):
                col = table.c[key]
                if key not in keys:     # a column the rows leave to its scalar default (e.g. version=1)
                    default = col.default.arg  # type: ignore[union-attr]
                    converters.append((i, lambda _none, value=default: value))
                elif isinstance(col.type, UTCDateTime):
                    converters.append((i, _stamp))
                else:
                    proc = col.type._cached_bind_processor(dialect)
                    if proc is not None:
                        converters.append((i, proc))
            getter = itemgetter(*order)
            present = [k for k in order if k in keys]
            if len(present) != len(order):
                pick = itemgetter(*present)
                slots = [order.index(k) for k in present]
                width = len(order)

                def getter(row: dict[str, Any], pick=pick, slots=slots, width=width) -> tuple:
                    values: list[Any] = [None] * width
                    for slot, value in zip(slots, pick(row)):
                        values[slot] = value
                    return tuple(values)
            found = (str(compiled), getter, converters)
            self._writers[(name, keys)] = found
        return found

    def add(self, table: str, row: dict[str, Any]) -> None:
        buf = self.buffers[table]
        buf.append(row)
        if len(buf) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for name in ORDER:
            buf = self.buffers[name]
            if not buf:
                continue
            if self.typed:
                self.conn.execute(insert(self.tables[name]), buf)
            else:
                sql, get, converters = self._writer(name, tuple(buf[0]))
                rows = []
                for row in buf:
                    values = list(get(row))
                    for i, convert in converters:
                        values[i] = convert(values[i])
                    rows.append(tuple(values))
                self.conn.exec_driver_sql(sql, rows)
            self.counts[name] += len(buf)
            self.buffers[name] = []


# ---- the generator -----------------------------------------------------------------------------

class _Gen:
    def __init__(self, wb: Workbench, sizes: Sizes, seed: int, anchor: datetime, sink: Sink) -> None:
        self.wb, self.sizes, self.sink = wb, sizes, sink
        self.r = random.Random(seed)
        self.anchor = anchor.replace(microsecond=0)
        self.epoch = int(self.anchor.timestamp())
        self.fa, self.fb = wb.rules.flow_a, wb.rules.flow_b
        self.balances: dict[int, int] = {}
        self.journal_id = 0
        self.posting_id = 0

    # -- small helpers
    def at(self, sec: int) -> datetime:
        return self.anchor + timedelta(seconds=sec)

    def minute(self, sec: int) -> int:
        """Round down to a whole minute (times typed in forms are minutes)."""
        return sec - (self.epoch + sec) % 60

    def u(self, lo: float, hi: float) -> int:
        return int(lo + (hi - lo) * self.r.random())

    def phone(self) -> str:
        return f"1{self.r.choice('3456789')}{self.r.randrange(10**9):09d}"

    def tracking(self) -> str:
        carrier = self.r.choice(["SF", "YT", "ZTO", "JD"])
        return f"{carrier}{self.r.randrange(10**12):012d}"

    def person(self) -> tuple[str, str]:
        (s, sp), (g1, g1p) = self.r.choice(SURNAMES), self.r.choice(GIVEN)
        if self.r.random() < 0.6:
            g2, g2p = self.r.choice(GIVEN)
            return s + g1 + g2, sp + g1p + g2p
        return s + g1, sp + g1p

    def post(self, kind: str, sec: int, actor: int | None, legs: list[tuple[int, int]],
             ref: tuple[str, int] | None, memo: str = "") -> int:
        """One balanced journal; balances follow the postings."""
        legs = [(a, c) for a, c in legs if c]
        self.journal_id += 1
        jid = self.journal_id
        self.sink.add("journals", {"id": jid, "at": self.at(sec), "kind": kind, "memo": memo, "actor_id": actor,
                                   "ref_type": ref[0] if ref else None, "ref_id": ref[1] if ref else None})
        for acc, cents in legs:
            self.posting_id += 1
            self.sink.add("postings", {"id": self.posting_id, "journal_id": jid, "account_id": acc,
                                       "amount_cents": cents})
            self.balances[acc] = self.balances.get(acc, 0) + cents
        return jid

    # -- people, stores, products
    def people(self) -> None:
        r, sizes = self.r, self.sizes
        M, C = sizes.merchant_count, sizes.creators
        A = max(2, C // 200)
        S = max(2, min(20, C // 1000 + 2))
        self.merchants = list(range(1, M + 1))
        self.creators = list(range(M + 1, M + C + 1))
        self.agencies = list(range(M + C + 1, M + C + A + 1))
        self.support = list(range(M + C + A + 1, M + C + A + S + 1))
        self.handles = {self.merchants[0]: "gen.merchant", self.creators[0]: "gen.creator",
                        self.agencies[0]: "gen.agency", self.support[0]: "gen.support"}
        old = lambda: self.at(-self.u(400 * DAY, 720 * DAY))  # noqa: E731
        self.m_info: dict[int, dict[str, Any]] = {}
        self.stores: dict[int, list[int]] = {}
        store_id = 0
        for i, uid in enumerate(self.merchants):
            (b1, p1), (b2, p2) = r.choice(BRAND), r.choice(BRAND)
            brand, cat = b1 + b2, r.choice(CATEGORIES)
            contact, _py = self.person()
            verified = i == 0 or r.random() > 0.03
            self.sink.add("users", {"id": uid, "handle": self.handles.get(uid, f"m.{p1}{p2}.{uid}"),
                                    "name": f"{brand}运营·{contact}", "role": "merchant", "verified": verified,
                                    "lang": None, "zone": ZONE, "created_at": old()})
            phone = self.phone()
            fee_rate = Decimal(r.choice(["0.10", "0.15", "0.18", "0.20", "0.25"]))
            self.sink.add("merchants", {"user_id": uid, "company": f"{r.choice(CITIES)}{brand}{INDUSTRY[cat]}有限公司",
                                        "contact_name": contact, "contact_phone": phone, "service_fee_rate": fee_rate})
            platforms = ["taobao", "douyin"] if (i == 0 or r.random() < 0.5) else [r.choice(["taobao", "douyin"])]
            normal = False
            ids = []
            for platform in platforms:
                store_id += 1
                standing = "normal" if (i == 0 or r.random() > 0.04) else "restricted"
                normal = normal or standing == "normal"
                self.sink.add("stores", {"id": store_id, "merchant_id": uid, "platform": platform,
                                         "name": brand + r.choice(STORE_SUFFIX[platform]), "standing": standing})
                ids.append(store_id)
            self.stores[uid] = ids
            self.m_info[uid] = {"brand": brand, "cat": cat, "contact": contact, "phone": phone,
                                "fee_rate": fee_rate, "ok": verified and normal}
        self.c_info: dict[int, dict[str, Any]] = {}
        for i, uid in enumerate(self.creators):
            cats = r.sample(CATEGORIES, r.choice([1, 1, 2, 3]))
            g, gp = r.choice(GIVEN)
            pre = r.choice(NICK_PREFIX)
            nick = f"{pre}{g}{TOPICS[cats[0]]}" if pre else f"{g}{g}{TOPICS[cats[0]]}"
            verified = i == 0 or r.random() > 0.03
            level_v = 5 if i == 0 else r.choice([0, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7]) if r.random() < 0.1 \
                else r.choice([1, 2, 2, 3, 3, 4, 5])
            level_l = 3 if i == 0 else r.randint(0, 7)
            fans = int(10 ** (3 + 4.5 * r.random() ** 1.5))
            resting = i != 0 and r.random() < 0.05
            quote = r.choice([300, 500, 800, 1000, 1500, 2000, 3000, 5000, 8000, 12000]) * 100
            self.sink.add("users", {"id": uid, "handle": self.handles.get(uid, f"c.{gp}{uid}"), "name": nick,
                                    "role": "creator", "verified": verified, "lang": None, "zone": ZONE,
                                    "created_at": old()})
            self.sink.add("creators", {"user_id": uid, "nickname": nick, "level_v": level_v, "level_l": level_l,
                                       "fans": fans, "avg_viewers": max(50, fans // r.randint(20, 200)),
                                       "quote_cents": quote, "resting": resting, "categories": ",".join(cats),
                                       "bio": f"专注{'、'.join(cats)}好物, 每周{r.choice('二三四五六日')}晚八点开播"})
            orderable = verified and level_v >= self.wb.rules.admission.creator_min_level_v
            self.c_info[uid] = {"quote": quote, "ok": orderable, "task_ok": orderable and not resting,
                                "level_l": level_l, "order_quote": max(int(self.fa.quote_min * 100),
                                                                       quote * r.choice([1, 2, 3]))}
        self.a_info: dict[int, str] = {}
        for i, uid in enumerate(self.agencies):
            kind = "base" if (i == 0 or r.random() < 0.5) else "mcn"
            (b1, p1), (b2, p2) = r.choice(BRAND), r.choice(BRAND)
            city = r.choice(CITIES)
            name = f"{city}{b1}{b2}直播基地" if kind == "base" else f"{city}{b1}{b2}文化传媒有限公司"
            self.a_info[uid] = kind
            self.sink.add("users", {"id": uid, "handle": self.handles.get(uid, f"a.{p1}{p2}.{uid}"), "name": name,
                                    "role": "agency", "verified": True, "lang": None, "zone": ZONE,
                                    "created_at": old()})
            self.sink.add("agencies", {"user_id": uid, "name": name, "kind": kind, "city": city,
                                       "registered": i == 0 or r.random() > 0.1,
                                       "top_annual_contract": i != 0 and r.random() < 0.2})
        for uid in self.support:
            person, py = self.person()
            self.sink.add("users", {"id": uid, "handle": self.handles.get(uid, f"s.{py}.{uid}"),
                                    "name": f"平台小二·{person}", "role": "support", "verified": True, "lang": None,
                                    "zone": ZONE, "created_at": old()})
        # Popularity: a long tail, the gen.* users at the head.
        self.m_ok = [m for m in self.merchants if self.m_info[m]["ok"]]
        self.m_cw = _cum([1 / (k + 1) ** 0.6 for k in range(len(self.m_ok))])
        self.c_ok = [c for c in self.creators if self.c_info[c]["ok"]]
        self.c_cw = _cum([1 / (k + 1) ** 0.6 for k in range(len(self.c_ok))])
        self.c_task = [c for c in self.c_ok if self.c_info[c]["task_ok"]]
        self.c_task_cw = _cum([1 / (k + 1) ** 0.6 for k in range(len(self.c_task))])

    def products(self) -> None:
        r, P = self.r, self.sizes.products
        counts = {m: 1 for m in self.merchants}
        weights = _cum([1 / (k + 1) ** 0.6 for k in range(len(self.merchants))])
        for m in r.choices(self.merchants, cum_weights=weights, k=P - len(self.merchants)):
            counts[m] += 1
        self.p_range: dict[int, tuple[int, int]] = {}
        self.p_price: list[int] = [0]
        self.p_rate: list[Decimal] = [Decimal(0)]
        self.p_merchant: list[int] = [0]
        self.p_store: list[int] = [0]
        self.p_good: list[bool] = [False]
        pid = 0
        min_score = self.wb.rules.agency.experience_score_min
        for m in self.merchants:
            info = self.m_info[m]
            start = pid + 1
            for _k in range(counts[m]):
                pid += 1
                cat = info["cat"] if r.random() < 0.8 else r.choice(CATEGORIES)
                lo, hi = PRICE_YUAN[cat]
                price = r.randint(lo, hi) * 100 + r.choice([0, 0, 90, 80, 50])
                rate = Decimal(r.choice(["0.05", "0.10", "0.15", "0.18", "0.20", "0.25", "0.30"]))
                score = Decimal(r.choice(["4.2", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9"]))
                brand = info["brand"] if r.random() > 0.1 else ""
                store = r.choice(self.stores[m])
                self.sink.add("products", {
                    "id": pid, "merchant_id": m, "store_id": store,
                    "name": f"{info['brand']} {r.choice(GOODS[cat])}{r.choice(VARIANTS)}", "category": cat,
                    "brand": brand, "price_cents": price, "sales": int(10 ** (1 + 4 * r.random())),
                    "commission_rate": rate, "experience_score": score, "recommend_index": r.randint(30, 99),
                    "created_at": self.at(-self.u(150 * DAY, 400 * DAY))})
                self.p_price.append(price)
                self.p_rate.append(rate)
                self.p_merchant.append(m)
                self.p_store.append(store)
                self.p_good.append(brand != "" and score >= min_score)
            self.p_range[m] = (start, pid + 1)

    # -- money accounts, task accounts, quotes, exclusive pools
    def accounts(self) -> None:
        s = self.sink
        self.external = s.conn.scalar(select(Account.id).where(Account.owner_id.is_(None), Account.kind == "external"))
        next_id = s.conn.scalar(select(Account.id).order_by(Account.id.desc()).limit(1)) or 0
        self.avail: dict[int, int] = {}
        self.frozen: dict[int, int] = {}
        for m in self.merchants:
            for kind, table in (("available", self.avail), ("frozen", self.frozen)):
                next_id += 1
                s.add("accounts", {"id": next_id, "owner_id": m, "kind": kind, "balance_cents": 0})
                table[m] = next_id
        for c in self.creators:
            next_id += 1
            s.add("accounts", {"id": next_id, "owner_id": c, "kind": "available", "balance_cents": 0})
            self.avail[c] = next_id
        for m in self.merchants:
            if self.m_info[m]["ok"]:
                s.add("task_accounts", {"merchant_id": m, "account_no": f"XT{self.epoch % 10**6:06d}{m:08d}",
                                        "created": self.r.random() < 0.3,
                                        "bound_at": self.at(-self.u(140 * DAY, 150 * DAY))})
        # Top-up journals come first in time; their amounts are known once every hold is written.
        self.journal_id = len(self.m_ok)
        self.held: dict[int, int] = {m: 0 for m in self.merchants}
        quote_id = 0
        activity = self.fa.activity_name
        for c in self.creators:
            if self.r.random() < 0.4:
                quote_id += 1
                s.add("quotes", {"id": quote_id, "creator_id": c, "activity": activity,
                                 "amount_cents": max(int(self.fa.quote_min * 100), self.c_info[c]["order_quote"] // 2),
                                 "published_at": self.at(-self.u(200 * DAY, 300 * DAY))})
            quote_id += 1
            s.add("quotes", {"id": quote_id, "creator_id": c, "activity": activity,
                             "amount_cents": self.c_info[c]["order_quote"],
                             "published_at": self.at(-self.u(130 * DAY, 140 * DAY))})

    def pools(self) -> None:
        """Each orderable creator works with a handful of merchants; their exclusive pools hold 1-4 products."""
        r, s = self.r, self.sink
        self.roster: dict[int, list[int]] = {}
        self.pool: dict[tuple[int, int], list[tuple[int, int]]] = {}    # (creator, merchant) -> [(item, product)]
        self.c_exclusive: dict[int, list[int]] = {}
        self.ex_rate: dict[tuple[int, int], Decimal] = {}
        item_id = 0
        for k, c in enumerate(self.c_ok):
            size = min(len(self.m_ok), 3 + int(8 * r.random() ** 2) + (6 if k == 0 else 0))
            chosen = set(r.choices(self.m_ok, cum_weights=self.m_cw, k=size))
            if k == 0:
                chosen.add(self.m_ok[0])
            roster = sorted(chosen)
            self.roster[c] = roster
            products: list[int] = []
            for m in roster:
                lo, hi = self.p_range[m]
                picks = r.sample(range(lo, hi), min(hi - lo, r.randint(1, 4)))
                items = []
                for pid in sorted(picks):
                    item_id += 1
                    price = self.p_price[pid]
                    rate = Decimal(r.choice(["0.15", "0.20", "0.25", "0.30", "0.35"]))
                    self.ex_rate[(pid, c)] = rate
                    s.add("exclusive_items", {
                        "id": item_id, "product_id": pid, "merchant_id": m, "creator_id": c,
                        "daily_price_cents": price, "live_price_cents": max(100, price * r.randint(75, 95) // 100),
                        "commission_rate": rate,
                        "submitted_at": self.at(-self.u(128 * DAY, 145 * DAY))})
                    items.append((item_id, pid))
                    products.append(pid)
                self.pool[(c, m)] = items
            self.c_exclusive[c] = products

    # -- Flow A: cooperation orders
    def orders(self) -> None:
        r, s, fa = self.r, self.sink, self.fa
        N = self.sizes.orders
        if N == 0 or not self.c_ok:
            return
        states = [st.value for st in OrderStatus]
        weights = [6, 6, 5, 5, 8, 10, 8, 32, 8, 12]
        plan = states[:min(N, len(states))] + r.choices(states, weights=weights, k=max(0, N - len(states)))
        creators = r.choices(self.c_ok, cum_weights=self.c_cw, k=N)
        window, cap_days, grace = fa.schedule_window_days * DAY, fa.delivery_cap_days, fa.scheduled_grace_hours
        complaint_id = 0
        for i in range(N):
            oid, status, c = i + 1, plan[i], creators[i]
            m = r.choice(self.roster[c])
            items = self.pool[(c, m)]
            lines = r.sample(items, r.randint(1, len(items)))
            q = self.c_info[c]["order_quote"]
            row: dict[str, Any] = {"id": oid, "merchant_id": m, "creator_id": c, "quote_cents": q, "status": status,
                                   "paid_at": None, "accepted_at": None, "shipped_at": None, "sample_tracking": "",
                                   "window_ends_at": None, "cap_at": None, "live_at": None,
                                   "latest_delivery_at": None, "closed_at": None, "close_reason": "",
                                   "return_tracking": "", "settled_cents": 0, "version": 1}
            inv = paid = acc = shipped = None
            shown = None
            if status == "invited":
                inv = -self.u(0, 10 * DAY)
            elif status == "declined":
                inv = -self.u(1 * DAY, HISTORY_DAYS * DAY)
                row["closed_at"] = self.at(min(inv + self.u(HOUR, 3 * DAY), -MIN))
            elif status == "paid":
                paid = -self.u(0, 5 * DAY)
            elif status == "accepted":
                paid = -self.u(1 * DAY, 8 * DAY)
                acc = min(paid + self.u(HOUR, 2 * DAY), -MIN)
            else:
                if status == "sample_shipped":     # most windows still run; some ended and wait for the tick
                    shipped = -self.u(0, window) if r.random() < 0.85 else -self.u(window, window + 2 * DAY)
                else:
                    shipped = -{"scheduled": self.u(HOUR, 20 * DAY), "confirmed": self.u(window, 24 * DAY),
                                "delivered": self.u(6 * DAY, HISTORY_DAYS * DAY),
                                "closed": self.u(HOUR, HISTORY_DAYS * DAY),
                                "overdue": self.u(30 * DAY, HISTORY_DAYS * DAY)}[status]
                acc = shipped - self.u(HOUR, 2 * DAY)
                paid = acc - self.u(HOUR, 2 * DAY)
            if paid is not None:
                inv = paid - self.u(HOUR, 3 * DAY)
                row["paid_at"] = self.at(paid)
            if acc is not None:
                row["accepted_at"] = self.at(acc)
            row["invited_at"] = self.at(inv)
            if shipped is not None:
                d = deadlines(self.at(paid), self.at(shipped), fa.schedule_window_days, cap_days)
                w_end, cap = shipped + window, paid + cap_days * DAY
                row.update(shipped_at=self.at(shipped), sample_tracking=self.tracking(),
                           window_ends_at=d.window_ends_at, cap_at=d.cap_at)
                via_schedule = status == "scheduled" or (status == "delivered" and r.random() < 0.8) or (
                    status == "overdue" and r.random() < 0.6)
                if status in ("scheduled", "delivered", "overdue") and via_schedule:
                    moment = min(shipped + self.u(HOUR, min(window, 2 * DAY if status == "delivered" else window)),
                                 -MIN)
                    live = self.minute(moment + self.u(DAY, 20 * DAY))
                    if status == "delivered":
                        live = min(live, self.minute(cap - 5 * HOUR), self.minute(-5 * HOUR))
                    live = min(live, self.minute(cap))
                    row["live_at"] = self.at(live)
                    row["latest_delivery_at"] = latest_after_schedule(self.at(live), grace, d.cap_at)
                elif status in ("confirmed", "delivered", "overdue"):
                    row["latest_delivery_at"] = latest_after_auto_confirm(
                        d.window_ends_at, fa.auto_confirm_delivery_days, d.cap_at)
                if status == "delivered":
                    latest = int((row["latest_delivery_at"] - self.anchor).total_seconds())
                    start = live if row["live_at"] is not None else w_end + self.u(HOUR, DAY)
                    done = min(start + self.u(HOUR, 4 * HOUR), latest, -MIN)
                    row["closed_at"] = self.at(done)
                    shown = r.randint(1, len(lines))
                    row["settled_cents"] = proportional(q, shown, len(lines))
                elif status == "closed":
                    row.update(closed_at=self.at(min(shipped + self.u(HOUR, window), -MIN)),
                               close_reason=r.choice(CLOSE_REASONS), return_tracking=self.tracking())
                elif status == "overdue":
                    latest = int((row["latest_delivery_at"] - self.anchor).total_seconds())
                    row["closed_at"] = self.at(min(latest + self.u(0, 2 * HOUR), -MIN))
            s.add("coop_orders", row)
            for n, (item, pid) in enumerate(lines):
                s.add("order_products", {"order_id": oid, "product_id": pid, "exclusive_item_id": item,
                                         "shown": None if shown is None else n < shown})
            if paid is not None:       # the quote is held from payment until delivery, closing or overdue
                self.post("order_hold", paid, m, [(self.avail[m], -q), (self.frozen[m], q)], ("order", oid))
                self.held[m] += q
                closed = int((row["closed_at"] - self.anchor).total_seconds()) if row["closed_at"] else None
                if status == "delivered":
                    paid_out = row["settled_cents"]
                    self.post("order_settle", closed, c, [(self.frozen[m], -q), (self.avail[c], paid_out),
                                                          (self.avail[m], q - paid_out)], ("order", oid))
                elif status in ("closed", "overdue"):
                    self.post("order_refund", closed, c if status == "closed" else None,
                              [(self.frozen[m], -q), (self.avail[m], q)], ("order", oid))
            if status == "overdue" and r.random() < 0.4:
                complaint_id += 1
                filed = min(int((row["closed_at"] - self.anchor).total_seconds()) + self.u(HOUR, 5 * DAY), -MIN)
                verdict = r.choice(["open", "open", "upheld", "dismissed"])
                ruled = min(filed + self.u(HOUR, 3 * DAY), -1) if verdict != "open" else None
                s.add("complaints", {"id": complaint_id, "order_id": oid, "merchant_id": m, "creator_id": c,
                                     "reason": r.choice(COMPLAINT_REASONS), "filed_at": self.at(filed),
                                     "status": verdict, "ruled_at": self.at(ruled) if ruled is not None else None,
                                     "ruled_by": r.choice(self.support) if ruled is not None else None,
                                     "ruling": r.choice(DISPUTE_RULINGS) if ruled is not None else ""})

    # -- Flow B: live tasks
    def tasks(self) -> None:
        r, s, fb = self.r, self.sink, self.fb
        N = self.sizes.tasks
        if N == 0 or not self.c_task or not self.m_ok:
            return
        combos = [("pending", ""), ("in_progress", "waiting_air"), ("in_progress", "live"),
                  ("in_progress", "awaiting_check"), ("disputed", ""), ("completed", ""),
                  ("cancelled", "creator_rejected"), ("cancelled", "creator_cancelled"),
                  ("cancelled", "merchant_cancelled"), ("cancelled", "timed_out")]
        weights = [8, 12, 2, 6, 3, 45, 6, 4, 8, 6]
        plan = combos[:min(N, len(combos))] + r.choices(combos, weights=weights, k=max(0, N - len(combos)))
        merchants = r.choices(self.m_ok, cum_weights=self.m_cw, k=N)
        creators = r.choices(self.c_task, cum_weights=self.c_task_cw, k=N)
        timeout_h = fb.acceptance_timeout_hours
        targeted_id = dispute_id = 0
        for i in range(N):
            tid, (status, sub), m, c = i + 1, plan[i], merchants[i], creators[i]
            hours = r.choice([1, 2, 2, 3, 3, 4, 6])
            quote = self.c_info[c]["quote"]
            amount = quote * hours
            rate = Decimal(r.choice(["0.10", "0.15", "0.20", "0.25"])) if r.random() < 0.25 else None
            created = acc = closed = last = None
            reason = ""
            if status == "pending":
                created = -self.u(0, timeout_h * HOUR + DAY)
                air = self.minute(created + self.u(DAY, 60 * DAY))
            elif status in ("cancelled",) and sub in ("creator_rejected", "timed_out"):
                created = -self.u(timeout_h * HOUR + HOUR, HISTORY_DAYS * DAY)
                air = self.minute(created + self.u(DAY, 30 * DAY))
                if sub == "timed_out":
                    due = int((timeout_due(self.at(created), timeout_h) - self.anchor).total_seconds())
                    closed, reason = due + self.u(0, 30 * MIN), TIMEOUT_REASON.format(hours=timeout_h)
                else:
                    closed, reason = created + self.u(10 * MIN, timeout_h * HOUR - MIN), r.choice(REJECT_REASONS)
            elif status == "disputed" or sub == "merchant_cancelled":
                # The merchant cancels at x; the case decides what the cancellation rule will say.
                case = "dispute" if status == "disputed" else r.choice(["pending", "idle", "air_day", "dispute"])
                x = -self.u(MIN, 10 * DAY) if status == "disputed" else -self.u(MIN, HISTORY_DAYS * DAY)
                if case == "pending":
                    created = x - self.u(10 * MIN, timeout_h * HOUR - MIN)
                    air = self.minute(created + self.u(DAY, 30 * DAY))
                else:
                    if case == "idle":
                        acc = x - self.u(fb.no_action_refund_days * DAY + HOUR, fb.no_action_refund_days * DAY + 2 * DAY)
                        air = self.minute(x + self.u(2 * DAY, 20 * DAY))
                    elif case == "air_day":
                        air = self.minute(x + self.u(MIN, 4 * HOUR))
                        acc = air - self.u(DAY, 10 * DAY)
                    else:
                        acc = x - self.u(HOUR, (fb.no_action_refund_days - 1) * DAY)
                        air = self.minute(x + self.u(2 * DAY, 20 * DAY))
                    created = acc - self.u(10 * MIN, timeout_h * HOUR - MIN)
                    last = acc
            else:
                if sub in ("waiting_air", "creator_cancelled"):
                    acc = -self.u(HOUR, 20 * DAY)
                    air = self.minute(max(acc + 2 * DAY, self.u(-6 * HOUR, 60 * DAY)))
                elif sub == "live":
                    air = self.minute(-self.u(5 * MIN, 3 * HOUR))
                    acc = air - self.u(DAY, 10 * DAY)
                elif sub == "awaiting_check":
                    air = self.minute(-self.u(hours * HOUR + HOUR, 10 * DAY))
                    acc = air - self.u(DAY, 10 * DAY)
                else:   # completed: history
                    air = self.minute(-self.u(2 * DAY, HISTORY_DAYS * DAY))
                    acc = air - self.u(DAY, 10 * DAY)
                created = acc - self.u(10 * MIN, timeout_h * HOUR - MIN)
                last = acc
                if sub == "live":
                    last = min(air + self.u(0, 10 * MIN), -MIN)
                elif sub == "awaiting_check":
                    last = min(air + hours * HOUR + self.u(0, 30 * MIN), -MIN)
                elif status == "completed":
                    last = closed = min(air + hours * HOUR + self.u(HOUR, 3 * DAY), -MIN)
                elif sub == "creator_cancelled":
                    closed = min(acc + self.u(HOUR, 2 * DAY), -MIN, air - HOUR)
                    reason = r.choice(CREATOR_CANCEL_REASONS)
            outcome = compensation = None
            ruled = None
            if status == "disputed" or sub == "merchant_cancelled":
                rule = merchant_cancel_rule(
                    status="pending" if acc is None else "in_progress", sub="" if acc is None else "waiting_air",
                    amount_cents=amount, air_at=self.at(air), last_action_at=None if last is None else self.at(last),
                    now=self.at(x), zone=ZONE, no_action_days=fb.no_action_refund_days,
                    air_day_share=fb.air_day_compensation)
                outcome, reason = rule.outcome, r.choice(CANCEL_REASONS)
                if status == "cancelled" and outcome is Outcome.DISPUTE and x > -2 * HOUR:
                    x = -2 * HOUR     # leave room for the ruling before now
                if status == "disputed" and outcome is not Outcome.DISPUTE:
                    raise AssertionError(f"a generated dispute does not follow the cancellation rule: {rule}")
                if outcome is Outcome.DISPUTE:
                    dispute_id += 1
                    if status == "cancelled":
                        ruled = min(x + self.u(HOUR, 5 * DAY), -1)
                        compensation = r.randint(0, amount // 100) * 100
                        closed = ruled
                    s_ruled = ruled is not None
                    dispute = {"id": dispute_id, "task_id": tid, "opened_at": self.at(x), "opened_by": m,
                                     "reason": reason, "status": "ruled" if s_ruled else "open",
                                     "ruled_at": self.at(ruled) if s_ruled else None,
                                     "ruled_by": r.choice(self.support) if s_ruled else None,
                                     "compensation_cents": compensation,
                                     "ruling": r.choice(DISPUTE_RULINGS) if s_ruled else ""}
                else:
                    closed = x
                    compensation = rule.to_creator_cents
            if closed is not None:
                closed = min(closed, -1)
            info = self.m_info[m]
            s.add("live_tasks", {
                "id": tid, "merchant_id": m, "creator_id": c, "contact_name": info["contact"],
                "contact_phone": info["phone"], "air_at": self.at(air), "return_sample": r.random() < 0.3,
                "kind": "dedicated" if r.random() < 0.6 else "shared", "hours": hours, "quote_cents": quote,
                "amount_cents": amount, "plan": "normal" if rate is None else "targeted", "commission_rate": rate,
                "status": status, "sub_status": sub, "created_at": self.at(created),
                "accepted_at": None if acc is None else self.at(acc),
                "last_action_at": None if last is None else self.at(last),
                "closed_at": None if closed is None else self.at(closed), "cancel_reason": reason, "version": 1})
            lo, hi = self.p_range[m]
            for pid in sorted(r.sample(range(lo, hi), min(hi - lo, r.randint(1, 3)))):
                s.add("task_products", {"task_id": tid, "product_id": pid})
            if rate is not None and acc is not None:
                targeted_id += 1
                s.add("targeted_plans", {"id": targeted_id, "task_id": tid, "merchant_id": m, "creator_id": c,
                                         "commission_rate": rate, "created_at": self.at(acc)})
            if outcome is Outcome.DISPUTE:
                s.add("disputes", dispute)
            # Money: frozen at publishing, released by the way the task ended.
            self.post("task_freeze", created, m, [(self.avail[m], -amount), (self.frozen[m], amount)], ("task", tid))
            self.held[m] += amount
            release = None
            if status == "completed":
                release = ("task_settle", m, amount)
            elif sub in ("creator_rejected", "creator_cancelled"):
                release = ("task_refund", c, 0)
            elif sub == "timed_out":
                release = ("task_refund", None, 0)
            elif sub == "merchant_cancelled":
                if outcome is Outcome.DISPUTE:
                    release = ("dispute_ruling", dispute["ruled_by"], compensation)
                else:
                    release = ("task_compensate" if compensation else "task_refund", m, compensation)
            if release is not None:
                kind, actor, to_creator = release
                self.post(kind, closed, actor, [(self.frozen[m], -amount), (self.avail[c], to_creator),
                                                (self.avail[m], amount - to_creator)], ("task", tid))

    def top_ups(self) -> None:
        """One online top-up per active merchant covering everything it ever held, plus a reserve."""
        r, s = self.r, self.sink
        jid = 0
        for k, m in enumerate(self.m_ok):
            jid += 1
            amount = self.held[m] + r.randint(50, 2000) * 10_000
            sec = -self.u(135 * DAY, 139 * DAY)
            ref = f"PAY{self.epoch % 10**6:06d}{m:08d}"
            s.add("journals", {"id": jid, "at": self.at(sec), "kind": "top_up", "memo": ref, "actor_id": m,
                               "ref_type": "top_up", "ref_id": k + 1})
            for acc, cents in ((self.external, -amount), (self.avail[m], amount)):
                self.posting_id += 1
                s.add("postings", {"id": self.posting_id, "journal_id": jid, "account_id": acc,
                                   "amount_cents": cents})
                self.balances[acc] = self.balances.get(acc, 0) + cents
            s.add("top_ups", {"id": k + 1, "merchant_id": m, "amount_cents": amount, "method": "online",
                              "status": "confirmed", "reference": ref, "created_at": self.at(sec),
                              "decided_at": self.at(sec), "decided_by": m, "journal_id": jid})
        top_up_id = len(self.m_ok)
        for m in self.m_ok:          # bank transfers waiting for support staff, and a few rejected
            if r.random() < 0.05 or m == self.m_ok[0]:
                top_up_id += 1
                rejected = r.random() < 0.3
                sec = -self.u(HOUR, 3 * DAY)
                s.add("top_ups", {"id": top_up_id, "merchant_id": m, "amount_cents": r.randint(10, 500) * 10_000,
                                  "method": "bank", "status": "rejected" if rejected else "pending",
                                  "reference": f"ICBC-{self.at(sec):%Y%m%d}-{r.randrange(10**4):04d}",
                                  "created_at": self.at(sec), "decided_at": self.at(sec + HOUR) if rejected else None,
                                  "decided_by": r.choice(self.support) if rejected else None, "journal_id": None})

    # -- stock plans
    def stock_plans(self) -> None:
        r, s = self.r, self.sink
        N = max(6, self.sizes.orders // 20) if self.sizes.orders else 0
        owners = [c for c in self.c_ok if self.c_exclusive.get(c)]
        if not N or not owners:
            return
        cw = _cum([1 / (k + 1) ** 0.6 for k in range(len(owners))])
        states = ["submitted", "revoked", "approved", "rejected", "live", "ended"]
        plan = states + r.choices(states, weights=[10, 5, 15, 5, 3, 62], k=N - len(states))
        minimum = self.fa.exclusive_share_min
        for i, c in enumerate(r.choices(owners, cum_weights=cw, k=N)):
            status = plan[i]
            row: dict[str, Any] = {"id": i + 1, "creator_id": c, "status": status, "reviewed_at": None,
                                   "reviewed_by": None, "review_reason": "", "started_at": None, "ended_at": None}
            if status in ("submitted", "revoked"):
                sub = -self.u(0, 5 * DAY) if status == "submitted" else -self.u(DAY, HISTORY_DAYS * DAY)
                live = self.minute(sub + self.u(DAY, 30 * DAY))
            elif status in ("approved", "rejected"):
                sub = -self.u(HOUR, 10 * DAY)
                live = self.minute(sub + self.u(2 * DAY, 30 * DAY))
                reviewed = min(sub + self.u(HOUR, DAY), -MIN)
                row.update(reviewed_at=self.at(reviewed), reviewed_by=r.choice(self.support),
                           review_reason=r.choice(PLAN_REJECT_REASONS) if status == "rejected" else "")
            else:
                live = self.minute(-self.u(5 * MIN, 3 * HOUR)) if status == "live" \
                    else self.minute(-self.u(6 * HOUR, HISTORY_DAYS * DAY))
                sub = live - self.u(2 * DAY, 10 * DAY)
                row.update(reviewed_at=self.at(sub + self.u(HOUR, DAY)), reviewed_by=r.choice(self.support))
                started = min(live + self.u(0, 10 * MIN), -MIN)
                row["started_at"] = self.at(started)
                if status == "ended":
                    row["ended_at"] = self.at(min(started + self.u(HOUR, 5 * HOUR), -1))
            row.update(live_at=self.at(live), submitted_at=self.at(sub))
            s.add("stock_plans", row)
            own = self.c_exclusive[c]
            exclusive = set(r.sample(own, min(len(own), r.randint(1, 4))))
            others = {r.randrange(1, len(self.p_price)) for _k in range(r.randint(0, 4 * len(exclusive)))}
            products = sorted(exclusive | others)
            mine = set(own)
            flags = [p in mine for p in products]
            check_exclusive_share(sum(flags), len(products), minimum)
            for pid, flag in zip(products, flags):
                s.add("stock_plan_items", {"plan_id": i + 1, "product_id": pid, "exclusive": flag,
                                           "shown": (r.random() < 0.8) if status == "ended" else None})

    # -- agencies: bindings, base pools, sign-ins; consumer sales with their fee split
    def agencies_and_sales(self) -> None:
        r, s = self.r, self.sink
        bases = [a for a in self.agencies if self.a_info[a] == "base"]
        self.binding: dict[int, tuple[int, int, int | None, Decimal]] = {}   # creator -> agency, from, to, share
        bid = 0
        for k, c in enumerate(self.creators):
            roll = 0.0 if k == 0 else r.random()
            if roll >= 0.42:
                continue
            bid += 1
            a = self.agencies[0] if k == 0 else r.choice(self.agencies)
            share = Decimal(r.choice(["0.55", "0.60", "0.65", "0.70", "0.80"]))
            invited = -self.u(10 * DAY, 300 * DAY)
            row = {"id": bid, "agency_id": a, "creator_id": c, "strong": k == 0 or r.random() < 0.2,
                   "creator_share": share, "invited_at": self.at(invited), "confirmed_at": None, "ended_at": None}
            if roll < 0.30:
                confirmed = invited + self.u(HOUR, 3 * DAY)
                row.update(status="active", confirmed_at=self.at(confirmed))
                self.binding[c] = (a, confirmed, None, share)
            elif roll < 0.35:
                confirmed = invited + self.u(HOUR, 3 * DAY)
                ended = min(confirmed + self.u(10 * DAY, 200 * DAY), -HOUR)
                row.update(status="ended", confirmed_at=self.at(confirmed), ended_at=self.at(ended))
                self.binding[c] = (a, confirmed, ended, share)
            elif roll < 0.39:
                row.update(status="invited", invited_at=self.at(-self.u(HOUR, 5 * DAY)))
            else:
                row.update(status="declined")
            s.add("creator_bindings", row)
        # Live-base cooperation with stores; qualifying products are synced into the base pool.
        sbid = 0
        bound_stores: dict[int, tuple[int, int]] = {}
        if bases:
            for m in self.merchants:
                for store in self.stores[m]:
                    roll = r.random() if not (m == self.merchants[0]) else 0.0
                    if roll >= 0.13:
                        continue
                    sbid += 1
                    a = bases[0] if m == self.merchants[0] else r.choice(bases)
                    invited = -self.u(5 * DAY, 200 * DAY)
                    row = {"id": sbid, "agency_id": a, "store_id": store, "kind": "live_base",
                           "invited_at": self.at(invited), "confirmed_at": None, "ended_at": None}
                    if roll < 0.10:
                        confirmed = invited + self.u(HOUR, 2 * DAY)
                        row.update(status="active", confirmed_at=self.at(confirmed))
                        bound_stores[store] = (a, confirmed)
                    elif roll < 0.12:
                        row.update(status="invited", invited_at=self.at(-self.u(HOUR, 4 * DAY)))
                    else:
                        row.update(status="declined")
                    s.add("store_bindings", row)
        for pid in range(1, len(self.p_price)):
            hit = bound_stores.get(self.p_store[pid])
            if hit and self.p_good[pid]:
                s.add("base_pool", {"agency_id": hit[0], "product_id": pid, "listed": r.random() < 0.9,
                                    "synced_at": self.at(hit[1] + MIN)})
        # Sign-ins: creators bound to a base sign in there; individual creators up to L4 anywhere.
        sid = 0
        limit = self.wb.rules.agency.free_sign_in_max_level
        for c in self.creators:
            b = self.binding.get(c)
            at_base = b[0] if (b and b[2] is None and self.a_info[b[0]] == "base") else None
            if at_base is None and not b and bases and self.c_info[c]["level_l"] <= limit and r.random() < 0.05:
                at_base = r.choice(bases)
            if at_base is None or (c != self.creators[0] and r.random() < 0.4):
                continue
            sid += 1
            start = -self.u(HOUR, 60 * DAY)
            ended = None if r.random() < 0.8 or c == self.creators[0] else min(start + self.u(HOUR, 10 * DAY), -1)
            s.add("sign_ins", {"id": sid, "creator_id": c, "agency_id": at_base, "signed_in_at": self.at(start),
                               "ended_at": None if ended is None else self.at(ended)})
        # Consumer orders: mostly pool products of the creator, paid in the last 90 days.
        N = (self.sizes.orders + self.sizes.tasks) // 8
        sellers = [c for c in self.c_ok if self.c_exclusive.get(c)]
        if not N or not sellers:
            return
        fees = self.wb.rules.fees
        cw = _cum([1 / (k + 1) ** 0.6 for k in range(len(sellers))])
        for i, c in enumerate(r.choices(sellers, cum_weights=cw, k=N)):
            pid = r.choice(self.c_exclusive[c]) if r.random() < 0.7 else r.randrange(1, len(self.p_price))
            m = self.p_merchant[pid]
            paid = max(100, self.p_price[pid] * r.randint(70, 100) // 100)
            sec = -self.u(MIN, 90 * DAY)
            b = self.binding.get(c)
            bound = b is not None and b[1] <= sec and (b[2] is None or b[2] > sec)
            split = split_fee(service_fee(paid, self.m_info[m]["fee_rate"]), bound=bound, creator_share=b[3] if bound else None,
                              platform_bound=fees.platform_share_bound, platform_individual=fees.platform_share_individual)
            s.add("sales", {"id": i + 1, "product_id": pid, "creator_id": c, "merchant_id": m, "paid_cents": paid,
                            "commission_rate": self.ex_rate.get((pid, c), self.p_rate[pid]), "paid_at": self.at(sec),
                            "agency_id": b[0] if bound else None, "fee_cents": split.fee_cents,
                            "platform_cents": split.platform_cents, "creator_fee_cents": split.creator_cents,
                            "agency_fee_cents": split.agency_cents})

    # -- carts, intents, notifications
    def carts_and_notices(self) -> None:
        r, s = self.r, self.sink
        P = len(self.p_price) - 1
        intent_id = 0
        for k, c in enumerate(self.creators):
            if k != 0 and r.random() >= 0.3:
                continue
            for pid in sorted({r.randint(1, P) for _n in range(r.randint(1, 6 if k else 12))}):
                added = -self.u(MIN, 60 * DAY)
                s.add("cart_items", {"creator_id": c, "product_id": pid, "added_at": self.at(added)})
                if r.random() < 0.4 or k == 0:
                    intent_id += 1
                    s.add("intents", {"id": intent_id, "creator_id": c, "product_id": pid,
                                      "merchant_id": self.p_merchant[pid], "created_at": self.at(added),
                                      "status": r.choice(["open", "open", "submitted", "withdrawn"])})
        nid = 0
        gen = set(self.handles)
        everyone = self.merchants + self.creators + self.agencies + self.support
        for uid in everyone:
            if uid not in gen and r.random() >= 0.05:
                continue
            for _n in range(30 if uid in gen else r.randint(1, 5)):
                nid += 1
                sec = -self.u(MIN, 30 * DAY)
                kind, params, screen = self._notice(uid)
                s.add("notifications", {"id": nid, "user_id": uid, "at": self.at(sec), "kind": kind,
                                        "params": params, "screen": screen, "ref_id": None,
                                        "read_at": self.at(min(sec + self.u(MIN, DAY), -1))
                                        if r.random() < 0.6 else None})

    def _notice(self, uid: int) -> tuple[str, str, str | None]:
        import json

        r = self.r
        if uid in self.m_info:
            kind, params, screen = r.choice([
                ("top_up_confirmed", {"amount": r.randint(10, 500) * 10_000, "note": ""}, "funds"),
                ("task_accepted", {"task": r.randint(1, max(1, self.sizes.tasks))}, "tasks"),
                ("order_accepted", {"order": r.randint(1, max(1, self.sizes.orders))}, "orders")])
        elif uid in self.c_info:
            kind, params, screen = r.choice([
                ("task_new", {"task": r.randint(1, max(1, self.sizes.tasks)), "amount": self.c_info[uid]["quote"]},
                 "tasks"),
                ("order_paid", {"order": r.randint(1, max(1, self.sizes.orders)),
                                "amount": self.c_info[uid]["order_quote"]}, "orders"),
                ("plan_approved", {"plan": r.randint(1, 100), "reason": ""}, "stock_plans")])
        else:
            kind, params, screen = ("notice", {"text_zh": "平台 618 官方活动报名已开启, 报价不低于 ¥100 即可参与",
                                               "text_en": "Sign-up for the official 618 campaign is open; "
                                                          "quotes from ¥100 qualify"}, None)
        return kind, json.dumps(params, ensure_ascii=False, sort_keys=True), screen

    def settle_balances(self) -> None:
        self.sink.flush()
        accounts = Base.metadata.tables["accounts"]
        rows = [{"aid": a, "bal": b} for a, b in sorted(self.balances.items()) if b]
        if rows:
            self.sink.conn.execute(update(accounts).where(accounts.c.id == bindparam("aid"))
                                   .values(balance_cents=bindparam("bal")), rows)


def _stamp(at: datetime | None) -> str | None:
    """A time as SQLAlchemy's SQLite DATETIME stores it (UTC, microseconds always written)."""
    if at is None:
        return None
    if at.utcoffset():
        at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _fast_sqlite(conn: Connection, on: bool) -> None:
    """Bulk-load settings for SQLite, and the store's normal ones afterwards. The file is built
    beside its target and thrown away on failure, so no journal is needed while loading; ids are
    assigned parents first, so foreign keys are checked by the tests rather than row by row."""
    raw = conn.connection.driver_connection
    if on:
        pragmas = ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-1048576",
                   "temp_store=MEMORY")
    else:
        pragmas = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "cache_size=-2000",
                   "temp_store=DEFAULT")
    for pragma in pragmas:
        raw.execute(f"PRAGMA {pragma}")


def _secondary_indexes(conn: Connection) -> list[tuple[str, str]]:
    """The migrations' own CREATE INDEX statements (not the ones behind UNIQUE or PRIMARY KEY)."""
    return [(name, sql) for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")]


# What services.ledger writes with each posting (IncomeSlot), for the postings written above directly:
# credits to available accounts, top-ups excluded, per UTC quarter-hour (times are text here).
INCOME_SLOTS = """
INSERT INTO income_slots (account_id, slot_at, amount_cents)
SELECT p.account_id, substr(j.at, 1, 14) || printf('%02d', (CAST(substr(j.at, 15, 2) AS INTEGER) / 15) * 15)
       || ':00.000000' AS slot, SUM(p.amount_cents)
FROM postings p JOIN journals j ON j.id = p.journal_id JOIN accounts a ON a.id = p.account_id
WHERE a.kind = 'available' AND p.amount_cents > 0 AND j.kind <> 'top_up'
GROUP BY p.account_id, slot
"""


def _refresh_records(wb: Workbench, anchor: datetime) -> int:
    """Every merchant's record (ranking reads them) as of the generator's now: the rows above were
    written directly, past the use cases that keep the records."""
    from workbench.clock import FixedClock
    from workbench.services.base import SYSTEM
    from workbench.services.reputation import refresh_every_record
    from workbench.store.uow import uow_factory

    with uow_factory(wb.engine, FixedClock(anchor), wb.rules)() as uow:
        return refresh_every_record(uow, SYSTEM)


def generate(wb: Workbench, sizes: Sizes, seed: int, anchor: datetime, *, chunk: int = 20_000,
             progress: Progress | None = None, typed: bool = False) -> dict[str, int]:
    """Fill an empty, migrated store; returns the row count per table.

    On SQLite the secondary indexes are dropped while loading and rebuilt afterwards from the
    exact statements the migrations created (one sort per index instead of a million scattered
    inserts), so the finished schema is the migrated one.
    """
    say = progress or (lambda _m: None)
    sqlite = wb.engine.dialect.name == "sqlite"
    started = time.monotonic()
    with wb.engine.connect() as conn:
        indexes: list[tuple[str, str]] = []
        if sqlite:
            _fast_sqlite(conn, True)
            with conn.begin():
                indexes = _secondary_indexes(conn)
                for name, _sql in indexes:
                    conn.exec_driver_sql(f'DROP INDEX "{name}"')
        try:
            sink = Sink(conn, chunk, typed)
            g = _Gen(wb, sizes, seed, anchor, sink)
            steps: list[tuple[str, Callable[[], None], list[str]]] = [
                ("people", g.people, ["users", "merchants", "stores", "creators", "agencies"]),
                ("products", g.products, ["products"]),
                ("accounts and quotes", g.accounts, ["accounts", "task_accounts", "quotes"]),
                ("exclusive pools", g.pools, ["exclusive_items"]),
                ("cooperation orders", g.orders, ["coop_orders", "order_products", "complaints"]),
                ("live tasks", g.tasks, ["live_tasks", "task_products", "targeted_plans", "disputes"]),
                ("top-ups", g.top_ups, ["top_ups"]),
                ("stock plans", g.stock_plans, ["stock_plans", "stock_plan_items"]),
                ("agencies and sales", g.agencies_and_sales,
                 ["creator_bindings", "store_bindings", "base_pool", "sign_ins", "sales"]),
                ("carts and notifications", g.carts_and_notices, ["cart_items", "intents", "notifications"]),
            ]
            for title, step, tables in steps:
                t0 = time.monotonic()
                with conn.begin():
                    step()
                    sink.flush()
                    if step == g.carts_and_notices:
                        g.settle_balances()
                extra = ""
                if title in ("cooperation orders", "live tasks", "top-ups"):
                    extra = f"; journals {sink.counts['journals']:,}, postings {sink.counts['postings']:,} so far"
                say(f"{title}: " + ", ".join(f"{t} {sink.counts[t]:,}" for t in tables)
                    + f"{extra} ({time.monotonic() - t0:.1f} s)")
            if indexes:
                t0 = time.monotonic()
                with conn.begin():
                    for _name, sql in indexes:
                        conn.exec_driver_sql(sql)
                say(f"indexes: {len(indexes)} rebuilt ({time.monotonic() - t0:.1f} s)")
        finally:
            if sqlite:
                _fast_sqlite(conn, False)
    t0 = time.monotonic()
    with wb.engine.begin() as conn:
        slots = conn.exec_driver_sql(INCOME_SLOTS).rowcount
    say(f"income slots: {slots:,} ({time.monotonic() - t0:.1f} s)")
    t0 = time.monotonic()
    say(f"merchant records: {_refresh_records(wb, anchor):,} ({time.monotonic() - t0:.1f} s)")
    say(f"total {sum(sink.counts.values()):,} rows in {time.monotonic() - started:.1f} s")
    return dict(sink.counts)
