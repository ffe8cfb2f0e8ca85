"""Every label of the console in Chinese and in English (Chinese first; the office may
switch), and the names of the values the node sends (roles, states).

Owns the words only. `text(language)` gives the lookup the templates use.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LABELS", "LANGUAGES", "duration", "text"]

LANGUAGES = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "console": ("管理平台", "Console"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "dashboard": ("工作台", "Dashboard"),
    "people": ("人员管理", "People"),
    "trail": ("操作记录", "Action trail"),
    "users": ("用户与角色", "Users and roles"),
    "home": ("首页", "Home"),
    "waiting_reviews": ("待审核人员", "People waiting for review"),
    "open_orders": ("待匹配需求", "Demands waiting for a volunteer"),
    "open_alerts": ("待处理预警", "Alerts to look at"),
    "name": ("姓名", "Name"),
    "role": ("角色", "Role"),
    "roles": ("角色", "Roles"),
    "identity": ("身份证号", "Identity number"),
    "community": ("社区", "Community"),
    "state": ("状态", "State"),
    "registered": ("登记时间", "Registered"),
    "actions": ("操作", "Actions"),
    "approve": ("通过", "Approve"),
    "reject": ("不通过", "Reject"),
    "reason": ("理由", "Reason"),
    "search": ("查询", "Search"),
    "all": ("全部", "All"),
    "export": ("导出", "Export"),
    "time": ("时间", "Time"),
    "who": ("操作人", "Who"),
    "kind": ("类型", "Kind"),
    "operation": ("操作", "Operation"),
    "detail": ("详情", "Detail"),
    "display_name": ("显示名称", "Display name"),
    "disabled": ("已停用", "Disabled"),
    "create_user": ("新建用户", "New user"),
    "create": ("创建", "Create"),
    "none": ("暂无数据", "Nothing here"),
    "previous": ("上一页", "Previous"),
    "total": ("共 {} 条", "{} in all"),
    "page_of": ("第 {} / {} 页", "page {} of {}"),
    "next": ("下一页", "Next"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "language": ("English", "中文"),
    "expired": ("会话已过期，请重新登录", "The session ended; log in again"),
    "not_found": ("页面不存在", "No such page"),
    "refused": ("操作被拒绝", "Refused"),
    "unreachable": ("暂时连不上节点，请稍后再试", "The node cannot be reached now; try again shortly"),
    "back": ("返回工作台", "Back to the dashboard"),
    "volunteer": ("志愿者", "Volunteer"),
    "elder": ("老人", "Elder"),
    "proxy": ("代理人", "Proxy"),
    "pending": ("待审核", "Pending"),
    "approved": ("已通过", "Approved"),
    "rejected": ("未通过", "Rejected"),
    "reviewer": ("审核员", "Reviewer"),
    "operator": ("经办员", "Operator"),
    "director": ("主任", "Director"),
    "viewer": ("查询员", "Viewer"),
    "login-failed": ("登录失败", "Login failed"),
    "action": ("操作", "Action"),
    "refused-kind": ("被拒绝", "Refused"),
    "orders": ("订单管理", "Orders"),
    "order": ("订单", "Order"),
    "item": ("服务项目", "Service"),
    "window": ("服务时段", "Window"),
    "place": ("地点", "Place"),
    "notes": ("备注", "Notes"),
    "paid_by": ("付费方", "Paid by"),
    "publisher": ("发布人", "Published by"),
    "timeline": ("进度", "Timeline"),
    "published": ("发布", "Published"),
    "checked_in_at": ("签到", "Checked in"),
    "checked_out_at": ("签离", "Checked out"),
    "served_minutes": ("服务时长（分钟）", "Served (minutes)"),
    "credited_minutes": ("存入时长（分钟）", "Credited (minutes)"),
    "deposit": ("存入转账", "Deposit transfer"),
    "steps": ("变更记录", "Changes"),
    "open": ("待匹配", "Open"),
    "accepted": ("已接单", "Accepted"),
    "checked-in": ("已签到", "Checked in"),
    "checked-out": ("已签离", "Checked out"),
    "confirmed": ("已确认", "Confirmed"),
    "disputed": ("有纠纷", "Disputed"),
    "resolved": ("纠纷已处理", "Resolved"),
    "cancelled": ("已取消", "Cancelled"),
    "detail_link": ("查看", "View"),
    "node": ("节点", "Node"),
    "elder-pays": ("老人支付", "The elder"),
    "node-pays": ("节点支付", "The node"),
    "my_hours": ("我的时间", "My hours"),
    "phone_login": ("登录我的时间账户", "Sign in to my hours"),
    "your_pin": ("您的 6 位个人密码", "Your 6-digit personal PIN"),
    "pin_hint": (
        "个人密码由社区办事处设置；忘记了请到办事处重设。连续输错 5 次将锁定 15 分钟。",
        "The office sets your PIN; if you forget it, ask the office to set a new one. "
        "Five wrong PINs lock signing in for 15 minutes.",
    ),
    "scan_your_card": (
        "请用手机相机扫描办事处发给您的个人二维码卡片，或服务时的签到码。",
        "Scan the personal QR card the office gave you, or the check-in code at a service, with your phone's camera.",
    ),
    "scan-check-in": ("签到", "Check in"),
    "scan-check-out": ("签离", "Check out"),
    "confirm_scan-check-in": ("确认签到", "Check in now"),
    "confirm_scan-check-out": ("确认签离", "Check out now"),
    "scan_sentence": (
        "将在{elder}家为「{item}」服务{purpose}，服务时段 {window}。",
        "{purpose} for {item} at {elder}'s home, in the window {window}.",
    ),
    "code_valid_until": ("此码有效至", "Code valid until"),
    "code_used": ("此码已使用过；每个码只能扫一次。", "This code was used already; each code works once."),
    "code_invalid": ("此码无法使用", "This code cannot be used"),
    "balance": ("时间余额", "Balance"),
    "available": ("可用", "Available"),
    "upcoming_orders": ("待服务", "Coming up"),
    "past_orders": ("已完成及其他", "Past and other"),
    "statement": ("时间明细", "Statement"),
    "elder_i_act_for": ("我代理的老人", "An elder I act for"),
    "hours_unit": ("小时", "h"),
    "minutes_unit": ("分钟", "min"),
    "movement-deposit": ("服务存入", "Service deposited"),
    "movement-redeem": ("服务存入（老人支付）", "Service paid by the elder"),
    "movement-overflow": ("超出存储上限，转入捐赠池", "Above the storage cap, to the pool"),
    "movement-family": ("转赠家人", "Given to family"),
    "movement-donation": ("捐赠", "Donated"),
    "movement-grant": ("公益池发放", "Granted from the pool"),
    "movement-mall": ("兑换商品", "Mall redemption"),
    "movement_state-sent": ("跨节点处理中", "Crossing to another node"),
    "movement_state-pending": ("处理中", "Pending"),
    "movement_state-voided": ("已撤销", "Voided"),
    "served": ("服务时长", "Served"),
    "credited": ("存入时间", "Credited"),
    "dispute": ("纠纷", "Dispute"),
    "done-check-in": (
        "签到成功，服务开始。服务结束时请扫签离码。",
        "Checked in. Scan the check-out code when the service ends.",
    ),
    "done-check-out": (
        "签离成功。老人或代理人确认后，时间将存入您的账户。",
        "Checked out. The hours are deposited once the elder or a proxy confirms.",
    ),
    "done-confirm": ("已确认服务，时间已存入志愿者账户。", "Confirmed: the hours are deposited to the volunteer."),
    "done-dispute": ("已提交纠纷，办事处将与您联系。", "Dispute opened: the office will contact you."),
    "done-rate": ("谢谢您的评价。", "Thank you for the rating."),
    "confirm_explained": (
        "服务已完成？确认后时间将存入志愿者账户。",
        "Was the service given? Confirming deposits the hours.",
    ),
    "confirm_service": ("确认服务完成", "Confirm the service"),
    "rate_service": ("评价服务", "Rate the service"),
    "comment": ("留言（可选）", "Comment (optional)"),
    "send_rating": ("提交评价", "Send the rating"),
    "something_wrong": ("服务有问题？", "Something wrong?"),
    "dispute_reason": ("请写明原因（200 字以内）", "Say what went wrong (up to 200 characters)"),
    "person_orders": ("服务订单", "Orders"),
    "person_id": ("人员编号", "Person id"),
    "open_dispute": ("提交纠纷", "Open a dispute"),
    "code_title-check-in": ("服务签到码", "Check-in code"),
    "code_title-check-out": ("服务签离码", "Check-out code"),
    "code_scan_with_camera": (
        "志愿者用手机相机扫码，输入个人密码即可签到或签离。",
        "The volunteer scans it with the phone's camera and signs with their PIN.",
    ),
    "code_once": ("每个码只能使用一次", "each code works once"),
    "print": ("打印", "Print"),
    "new_code": ("重新生成", "A new code"),
    "back_to_order": ("返回订单", "Back to the order"),
    "back_to_person": ("返回人员", "Back to the person"),
    "code_link": ("扫不了码？显示链接", "Cannot scan? Show the link"),
    "show_code-check-in": ("显示签到码", "Show the check-in code"),
    "show_code-check-out": ("显示签离码", "Show the check-out code"),
    "show_code_explained": ("在老人家中出示，或打印带去", "Show it at the elder's home, or print it"),
    "personal_card": ("个人二维码卡片", "Personal QR card"),
    "print_personal_card": ("打印个人二维码卡片", "Print the personal QR card"),
    "card_explained": (
        "用手机相机扫码，输入个人密码，查看自己的时间和订单。",
        "Scan with a phone's camera and enter the PIN to see one's hours and orders.",
    ),
    "person": ("人员", "Person"),
    "birth_date": ("出生日期（年龄）", "Born (age)"),
    "reviewed_by": ("审核", "Reviewed"),
    "phone_access": ("手机登录密码", "Phone PIN"),
    "pin_rules": (
        "6 位数字；不能是同一数字或连号（如 123456），不能含出生日期。设置新密码后，原密码和已登录的手机立即失效。",
        "6 digits; not one digit repeated or a run (like 123456), not the birth date. "
        "A new PIN ends the old one and every phone signed in.",
    ),
    "new_pin": ("新的个人密码", "New PIN"),
    "set_pin": ("设置密码", "Set the PIN"),
    "done-pin": (
        "个人密码已设置。请当面告知本人，不要写在卡片上。",
        "The PIN is set. Tell the person face to face; never write it on the card.",
    ),
    "dispute-open": ("待处理", "Open"),
    "dispute-resolved": ("已处理", "Resolved"),
}


def text(language: str) -> Callable[[str], str]:
    """The lookup for a language: a key's label, or the key itself when it has none."""
    index = 1 if language == "en" else 0

    def label(key: str) -> str:
        pair = LABELS.get(key)
        return pair[index] if pair else key

    return label


def duration(minutes: int, label: Callable[[str], str]) -> str:
    """Minutes as a person reads them: "2 小时 30 分钟" (or "2 h 30 min"); "0 分钟" for none."""
    hours, rest = divmod(abs(int(minutes)), 60)
    parts = [f"{hours} {label('hours_unit')}"] if hours else []
    parts += [f"{rest} {label('minutes_unit')}"] if rest or not hours else []
    return ("-" if minutes < 0 else "") + " ".join(parts)
