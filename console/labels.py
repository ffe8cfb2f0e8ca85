"""Every label of the console in Chinese and in English (Chinese first; the office may
switch), and the names of the values the node sends (roles, states).

Owns the words only. `text(language)` gives the lookup the templates use.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LABELS", "LANGUAGES", "text"]

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
}


def text(language: str) -> Callable[[str], str]:
    """The lookup for a language: a key's label, or the key itself when it has none."""
    index = 1 if language == "en" else 0

    def label(key: str) -> str:
        pair = LABELS.get(key)
        return pair[index] if pair else key

    return label
