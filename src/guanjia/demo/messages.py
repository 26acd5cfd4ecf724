"""A morning's messages from the demo street's WeChat groups, taken through triage when the
demo is first loaded: the clear ones become orders in the queue, the vague ones wait as drafts
(待确认消息), so that a dispatcher trying the console sees both. Written for the demo; they are
not training data."""

from guanjia.org.models import Street
from guanjia.triage.services import Intake, intake_receive_many

GROUP_MESSAGES = (
    "@物业 港湾新村6幢2单元的楼道灯从三楼往上都不亮了，晚上回来摸黑上楼",
    "友谊小区3幢门口那个窨井又冒污水了 臭得不行 走路都得绕",
    "纺织厂宿舍9幢1单元的单元门关不上了，门禁刷了也没反应",
    "楼下垃圾桶满了好几天没人收，苍蝇到处飞",
    "有没有人管管 天天晚上十点多还有人在楼下跳广场舞 音响开老大",
    "楼道里好像有股煤气味，不知道是哪家的，大家小心",
    "谢谢社区上周派来的师傅，水管修得很好👍",
)


def demo_messages_load(street: Street) -> list[Intake]:
    """Take GROUP_MESSAGES as one batch from the street's groups (no robot: as if pasted)."""
    return intake_receive_many(street=street, texts=list(GROUP_MESSAGES), channel="wechat")
