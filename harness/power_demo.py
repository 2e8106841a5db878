"""Write the demo county's 职权目录: content/xxgk/ql/*.md, one 权力事项 per file.

The Markdown it writes is committed and edited like any other content; this script only saved
typing the first 40-odd items. Each category has a typical 外部 and 内部 procedure (许可: 申请,
材料审查, 受理, 审查, 决定; 处罚: 立案, 调查, 告知, 听证, 决定 …); each item names its law, its
department and the office that does the work. Run: ``.venv/bin/python harness/power_demo.py``
(``--force`` rewrites files that exist).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from portal import departments

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "content" / "xxgk" / "ql"
DATE = "2026-11-20"

# category → code prefix
PREFIX = {
    "行政许可": "XK", "行政处罚": "CF", "行政强制": "QZ", "行政征收": "ZS", "行政给付": "GF",
    "行政检查": "JC", "行政确认": "QR", "行政奖励": "JL", "行政裁决": "CJ", "其他行政权力": "QT",
    "公共服务": "GG",
}


def s(id_: str, name: str, role: str, limit: str = "", **more: str) -> dict:
    step = {"id": id_, "name": name, "role": role}
    if limit:
        step["limit"] = limit
    step.update(more)
    return step


def licence_flows(limit: str) -> tuple[list, list]:
    ext = [
        s("shenqing", "提交申请", "申请人", "", next="shencha",
          description="通过示范省政务服务网或县政务服务中心窗口提交申请材料。"),
        s("shencha", "材料审查", "窗口受理人员", "当场", question="材料是否齐全、符合法定形式？",
          if_yes="shouli", if_no="buzheng"),
        s("buzheng", "一次性告知补正", "窗口受理人员", "当场或5个工作日内", next="shenqing",
          description="出具补正材料通知书，一次性告知需要补正的全部内容。"),
        s("shouli", "受理", "窗口受理人员", "当场", next="shencha2",
          description="出具受理通知书。"),
        s("shencha2", "审查", "承办股室", limit, question="是否符合法定条件、标准？",
          if_yes="zhunyu", if_no="buyu"),
        s("zhunyu", "准予许可，送达证件", "承办股室", "决定后10日内",
          description="颁发证件，可窗口领取或免费邮寄。"),
        s("buyu", "不予许可，书面说明理由", "承办股室",
          description="告知申请人享有依法申请行政复议或者提起行政诉讼的权利。"),
    ]
    internal = [
        s("dengji", "受理登记", "窗口受理人员", "当场", next="chuli"),
        s("chuli", "承办人审查", "承办人", "", next="shenhe"),
        s("shenhe", "股室负责人审核", "股室负责人", "1个工作日", next="shenpi"),
        s("shenpi", "分管负责人审批", "分管负责人", "1个工作日", question="是否同意承办意见？",
          if_yes="zhizheng", if_no="chuli"),
        s("zhizheng", "制证归档", "承办人", "1个工作日"),
    ]
    return ext, internal


def penalty_flows() -> tuple[list, list]:
    ext = [
        s("faxian", "发现违法线索", "执法人员", "", next="lian",
          description="来源包括监督检查、投诉举报、上级交办和其他部门移送。"),
        s("lian", "立案审查", "执法人员", "15个工作日", question="是否符合立案条件？",
          if_yes="diaocha", if_no="buyulian"),
        s("buyulian", "不予立案，告知举报人", "执法机构"),
        s("diaocha", "调查取证", "两名以上执法人员", "", next="gaozhi",
          description="出示执法证件，询问当事人，制作笔录，收集证据。"),
        s("gaozhi", "告知拟处罚内容和陈述申辩、听证权利", "执法机构", "", next="tingzheng"),
        s("tingzheng", "听证申请", "当事人", "告知后5日内", question="当事人是否要求听证？",
          if_yes="zuzhi", if_no="jueding"),
        s("zuzhi", "组织听证", "听证主持人", "听证前7日通知", next="jueding"),
        s("jueding", "作出处罚决定", "行政机关负责人", "立案后90日内", next="songda"),
        s("songda", "送达决定书并执行", "执法机构", "7日内",
          description="告知申请行政复议或者提起行政诉讼的途径和期限。"),
    ]
    internal = [
        s("yijian", "承办人提出处理意见", "执法人员", "", next="fazhi"),
        s("fazhi", "法制审核", "法制审核人员", "5个工作日", next="zhongda"),
        s("zhongda", "重大案件判断", "法制审核人员", "", question="是否属于情节复杂或重大违法行为？",
          if_yes="jiti", if_no="qianpi"),
        s("jiti", "负责人集体讨论", "局务会", "", next="qianpi"),
        s("qianpi", "负责人签批", "主要负责人", "2个工作日", next="zhizuo"),
        s("zhizuo", "制作决定书，结案归档", "执法机构"),
    ]
    return ext, internal


def enforcement_flows() -> tuple[list, list]:
    ext = [
        s("cuigao", "书面催告当事人", "执法机构", "", next="shenbian"),
        s("shenbian", "陈述申辩", "当事人", "收到催告后3日内", question="当事人理由是否成立？",
          if_yes="chexiao", if_no="jueding"),
        s("chexiao", "采纳意见，不予强制", "执法机构"),
        s("jueding", "作出强制决定", "行政机关负责人", "", next="shishi"),
        s("shishi", "实施强制，制作现场笔录", "两名以上执法人员", "", next="jieshu"),
        s("jieshu", "解除或依法处理，送达决定", "执法机构", "30日内"),
    ]
    internal = [
        s("baogao", "承办人报告", "执法人员", "", next="pizhun"),
        s("pizhun", "负责人批准", "行政机关负责人", "24小时内补办批准", question="是否批准？",
          if_yes="zhixing", if_no="tingzhi"),
        s("zhixing", "组织实施", "执法机构"),
        s("tingzhi", "不予实施，解除已采取的措施", "执法机构"),
    ]
    return ext, internal


def levy_flows() -> tuple[list, list]:
    ext = [
        s("shenbao", "缴费人申报", "缴费人", "", next="heding"),
        s("heding", "核定应缴金额", "承办股室", "5个工作日", next="yiyi"),
        s("yiyi", "告知核定结果", "承办股室", "", question="缴费人是否有异议？",
          if_yes="fuhe", if_no="jiaona"),
        s("fuhe", "复核", "股室负责人", "5个工作日", next="jiaona"),
        s("jiaona", "缴纳入库，开具票据", "缴费人、财政部门"),
    ]
    internal = [
        s("jisuan", "承办人计算", "承办人", "", next="shenhe"),
        s("shenhe", "股室负责人审核", "股室负责人", "1个工作日", next="qianfa"),
        s("qianfa", "签发缴款通知书", "分管负责人"),
    ]
    return ext, internal


def benefit_flows() -> tuple[list, list]:
    ext = [
        s("shenqing", "提出申请", "申请人", "", next="shencha"),
        s("shencha", "审核", "乡镇（街道）或承办股室", "10个工作日", question="是否符合条件？",
          if_yes="gongshi", if_no="gaozhi"),
        s("gaozhi", "书面告知不符合条件的理由", "承办股室"),
        s("gongshi", "公示", "承办股室", "7日", question="公示期内是否有异议？",
          if_yes="heshi", if_no="shenpi"),
        s("heshi", "调查核实", "承办股室", "10个工作日", next="shenpi"),
        s("shenpi", "审批", "分管负责人", "", next="fafang"),
        s("fafang", "按月发放到账", "财政部门、承办股室"),
    ]
    internal = [
        s("chushen", "承办人初审", "承办人", "", next="fushen"),
        s("fushen", "股室负责人复审", "股室负责人", "2个工作日", next="shenpi"),
        s("shenpi", "分管负责人审批", "分管负责人", "2个工作日", next="mingdan"),
        s("mingdan", "形成发放名单，推送财政", "承办人"),
    ]
    return ext, internal


def inspection_flows() -> tuple[list, list]:
    ext = [
        s("jihua", "制定年度检查计划并公开", "承办股室", "", next="chouqu"),
        s("chouqu", "随机抽取对象和执法人员", "承办股室", "", next="jiancha"),
        s("jiancha", "实施检查", "两名以上执法人员", "", question="是否发现问题？",
          if_yes="zhenggai", if_no="gongkai"),
        s("zhenggai", "责令限期整改", "执法人员", "", next="fucha"),
        s("fucha", "复查整改情况", "执法人员", "整改期满后5个工作日", next="gongkai"),
        s("gongkai", "公开检查结果", "承办股室", "20个工作日内"),
    ]
    internal = [
        s("fangan", "拟定检查方案", "承办人", "", next="shenpi"),
        s("shenpi", "负责人审批方案", "分管负责人", "", next="guidang"),
        s("guidang", "检查记录归档", "承办人"),
    ]
    return ext, internal


def confirmation_flows(limit: str) -> tuple[list, list]:
    ext = [
        s("shenqing", "提交申请", "申请人", "", next="shencha"),
        s("shencha", "审查", "窗口受理人员", limit, question="是否符合条件？",
          if_yes="queren", if_no="buyu"),
        s("queren", "予以确认，发放证明或登记", "承办股室"),
        s("buyu", "不予确认，说明理由", "承办股室"),
    ]
    internal = [
        s("hedui", "承办人核对信息", "承办人", "", next="shenhe"),
        s("shenhe", "股室负责人审核", "股室负责人", "", next="dengji"),
        s("dengji", "登记归档", "承办人"),
    ]
    return ext, internal


def award_flows() -> tuple[list, list]:
    ext = [
        s("shenbao", "推荐申报或举报人申领", "申请人", "", next="shenhe"),
        s("shenhe", "审核", "承办股室", "15个工作日", question="是否符合奖励条件？",
          if_yes="gongshi", if_no="gaozhi"),
        s("gaozhi", "告知不予奖励的理由", "承办股室"),
        s("gongshi", "公示（举报奖励不公示，为举报人保密）", "承办股室", "5个工作日", next="jueding"),
        s("jueding", "作出奖励决定并兑现", "行政机关负责人"),
    ]
    internal = [
        s("chushen", "承办人初审", "承办人", "", next="huiyi"),
        s("huiyi", "评审会议", "评审小组", "", next="qianfa"),
        s("qianfa", "负责人签发", "主要负责人"),
    ]
    return ext, internal


def ruling_flows() -> tuple[list, list]:
    ext = [
        s("shenqing", "提出裁决申请", "申请人", "", next="shoulishencha"),
        s("shoulishencha", "受理审查", "承办股室", "5个工作日", question="是否符合受理条件？",
          if_yes="dabian", if_no="buyu"),
        s("buyu", "不予受理，书面告知", "承办股室"),
        s("dabian", "通知被申请人答辩", "承办股室", "10日内", next="tiaojie"),
        s("tiaojie", "调查和调解", "承办人员", "", question="调解是否达成协议？",
          if_yes="tiaojieshu", if_no="caijue"),
        s("tiaojieshu", "制作调解书", "承办股室"),
        s("caijue", "作出裁决，送达当事人", "行政机关负责人", "受理后60日内"),
    ]
    internal = [
        s("yijian", "承办人提出意见", "承办人", "", next="shenhe"),
        s("shenhe", "集体审议", "局务会", "", next="qianfa"),
        s("qianfa", "负责人签发", "主要负责人"),
    ]
    return ext, internal


def simple_flows(limit: str) -> tuple[list, list]:
    ext = [
        s("shenqing", "提出申请", "申请人", "", next="banli"),
        s("banli", "审核办理", "承办股室", limit, question="是否符合条件？",
          if_yes="banjie", if_no="gaozhi"),
        s("banjie", "办结，告知结果", "承办股室"),
        s("gaozhi", "告知不能办理的理由和可以提供的帮助", "承办股室"),
    ]
    internal = [
        s("chuli", "承办人办理", "承办人", "", next="shenhe"),
        s("shenhe", "股室负责人审核", "股室负责人", "", next="guidang"),
        s("guidang", "归档", "承办人"),
    ]
    return ext, internal


def flows(category: str, limit: str) -> tuple[list, list]:
    return {
        "行政许可": lambda: licence_flows(limit),
        "行政处罚": penalty_flows,
        "行政强制": enforcement_flows,
        "行政征收": levy_flows,
        "行政给付": benefit_flows,
        "行政检查": inspection_flows,
        "行政确认": lambda: confirmation_flows(limit),
        "行政奖励": award_flows,
        "行政裁决": ruling_flows,
    }.get(category, lambda: simple_flows(limit))()


DUTIES = {
    "行政许可": ["受理责任：公示应当提交的材料，一次性告知补正材料，依法受理或不予受理",
              "审查责任：对申请材料进行审查，需要现场核查的组织核查",
              "决定责任：作出准予或不予许可的决定，不予许可的说明理由",
              "送达责任：按时送达许可证件并信息公开",
              "事后监管责任：对被许可人从事许可事项的活动实施监督检查"],
    "行政处罚": ["立案责任：对发现的违法线索及时审查，决定是否立案",
              "调查责任：两名以上执法人员出示证件，全面、客观、公正调查取证",
              "审查责任：对案件事实、证据、程序、法律适用和裁量进行法制审核",
              "告知责任：告知拟处罚的事实、理由、依据及陈述、申辩、听证权利",
              "决定责任：依法作出处罚决定，按裁量基准确定处罚幅度",
              "送达和执行责任：依法送达并监督执行"],
}
DEFAULT_DUTIES = ["受理或启动责任：依法受理申请或依职权启动程序",
                  "审查责任：按规定的条件和程序审查核实",
                  "决定责任：依法作出决定并说明理由",
                  "送达和公开责任：及时送达并依法公开结果",
                  "监管责任：加强事中事后监管"]
ACCOUNTABILITY = [
    "对符合法定条件的申请不予受理、不予办理或者不在法定期限内作出决定的",
    "对不符合法定条件的申请准予办理或者超越法定职权作出决定的",
    "违反法定程序实施的",
    "办理过程中滥用职权、玩忽职守，给当事人造成损失的",
    "索取或者收受他人财物、谋取其他利益的",
    "其他违反法律法规规章规定应当追究责任的情形",
]

# (slug, title, category, department, office, [(law, article)], limit, [guide slugs], discretion)
ITEMS: list[tuple] = [
    ("shipin-jingying-xuke", "食品经营许可", "行政许可", "xzspj", "市场准入股",
     [("《中华人民共和国食品安全法》", "第三十五条第一款"), ("《食品经营许可和备案管理办法》", "第三条")],
     "10个工作日", ["shipin-jingying-xuke"], None),
    ("jianzhu-shigong-xuke", "建筑工程施工许可证核发", "行政许可", "xzspj", "工程建设审批股",
     [("《中华人民共和国建筑法》", "第七条"), ("《建筑工程施工许可管理办法》", "第二条")],
     "7个工作日", ["jianzhu-shigong-xuke"], None),
    ("yaopin-lingshou-xuke", "药品零售企业经营许可", "行政许可", "xzspj", "社会事务审批股",
     [("《中华人民共和国药品管理法》", "第五十一条第一款")], "15个工作日", ["yaopin-lingshou-xuke"], None),
    ("gonggong-changsuo-weisheng-xuke", "公共场所卫生许可", "行政许可", "xzspj", "社会事务审批股",
     [("《公共场所卫生管理条例》", "第八条")], "20个工作日", ["gonggong-changsuo-weisheng-xuke"], None),
    ("daolu-huoyun-xuke", "道路货物运输经营许可", "行政许可", "xzspj", "交通运输审批股",
     [("《中华人民共和国道路运输条例》", "第二十四条")], "20个工作日", ["daolu-huoyun-xuke"], None),
    ("yishi-zhiye-zhuce", "医师执业注册", "行政许可", "wsjkj", "医政医管股",
     [("《中华人民共和国医师法》", "第十三条")], "20个工作日", ["yishi-zhiye-zhuce"], None),
    ("zhaijidi-shenpi", "农村村民宅基地审批", "行政许可", "hxz", "综合便民服务中心",
     [("《中华人民共和国土地管理法》", "第六十二条第四款")], "20个工作日", ["zhaijidi-jianfang-shenpi"], None),
    ("qiye-sheli-dengji", "企业设立登记", "行政许可", "scjgj", "登记注册股",
     [("《中华人民共和国市场主体登记管理条例》", "第三条")], "3个工作日", ["qiye-sheli-dengji", "getihu-dengji"], None),
    ("shipin-weifa-chufa", "对生产经营不符合食品安全标准的食品的处罚", "行政处罚", "scjgj", "食品安全监管股",
     [("《中华人民共和国食品安全法》", "第一百二十四条第一款")], "", [],
     [("轻微", "违法货值金额不足一万元，及时召回并未造成危害后果", "没收违法所得和违法食品，并处五万元以上八万元以下罚款"),
      ("一般", "违法货值金额一万元以上不足五万元", "并处货值金额十五倍以上二十倍以下罚款"),
      ("严重", "违法货值金额五万元以上或者造成食源性疾病", "并处货值金额二十倍以上三十倍以下罚款；情节严重的吊销许可证")]),
    ("wuzheng-jingying-chufa", "对未取得食品经营许可从事食品经营活动的处罚", "行政处罚", "scjgj", "食品安全监管股",
     [("《中华人民共和国食品安全法》", "第一百二十二条第一款")], "", [],
     [("轻微", "首次被发现，货值金额不足一千元，当场停止并主动申请许可", "没收违法所得和违法食品，并处五万元罚款"),
      ("一般", "货值金额一千元以上不足一万元", "并处五万元以上十万元以下罚款"),
      ("严重", "货值金额一万元以上，或者拒不停止经营", "并处货值金额十倍以上二十倍以下罚款")]),
    ("jiage-weifa-chufa", "对经营者不执行政府定价、政府指导价的处罚", "行政处罚", "scjgj", "价格监督检查股",
     [("《中华人民共和国价格法》", "第三十九条"), ("《价格违法行为行政处罚规定》", "第九条")], "", [],
     [("轻微", "违法所得不足一千元，主动退还多收价款", "责令改正，没收违法所得，可以并处违法所得五倍以下罚款"),
      ("一般", "违法所得一千元以上不足一万元", "没收违法所得，并处违法所得二倍以上五倍以下罚款"),
      ("严重", "违法所得一万元以上或者拒不改正", "没收违法所得，并处违法所得五倍罚款；情节严重的责令停业整顿")]),
    ("feifa-zhandi-chufa", "对非法占用土地建住宅的处罚", "行政处罚", "zrzyj", "执法监察大队",
     [("《中华人民共和国土地管理法》", "第七十八条第一款")], "", [],
     [("轻微", "占用非耕地且面积不超过规定标准，能够主动拆除", "责令退还非法占用的土地，限期拆除"),
      ("一般", "超过批准面积占用土地", "多占的土地以非法占用土地论处，限期拆除新建的房屋"),
      ("严重", "占用永久基本农田建住宅", "责令退还，限期拆除；涉嫌犯罪的移送司法机关")]),
    ("yiliao-feifa-xingyi-chufa", "对未取得医疗机构执业许可证擅自执业的处罚", "行政处罚", "wsjkj", "卫生监督所",
     [("《中华人民共和国基本医疗卫生与健康促进法》", "第九十九条第一款")], "", [],
     [("轻微", "执业时间不足三个月，违法所得不足一万元", "责令停止执业，没收违法所得和药品、医疗器械，并处违法所得五倍以上八倍以下罚款"),
      ("一般", "执业时间三个月以上，或者违法所得一万元以上", "并处违法所得八倍以上十五倍以下罚款"),
      ("严重", "造成患者人身损害或者拒不停止", "并处违法所得十五倍以上二十倍以下罚款")]),
    ("jianzhu-wuzheng-shigong-chufa", "对未取得施工许可证擅自施工的处罚", "行政处罚", "zjj", "城建监察大队",
     [("《建筑工程施工许可管理办法》", "第十二条")], "", [],
     [("一般", "未取得施工许可证擅自施工，能够及时补办", "责令停止施工，限期改正，对建设单位处工程合同价款百分之一以上百分之二以下罚款"),
      ("严重", "责令改正后逾期不改正", "对建设单位处工程合同价款百分之二罚款，对施工单位处三万元以下罚款")]),
    ("chafeng-kouya", "查封、扣押不符合食品安全标准的食品", "行政强制", "scjgj", "食品安全监管股",
     [("《中华人民共和国食品安全法》", "第一百一十条第四项")], "", [], None),
    ("qiangzhi-chaichu", "强制拆除违法建筑物", "行政强制", "zjj", "城建监察大队",
     [("《中华人民共和国行政强制法》", "第四十四条"), ("《中华人民共和国城乡规划法》", "第六十八条")], "", [], None),
    ("zanting-shiyong-yaopin", "暂停使用、查封可能危害健康的药品", "行政强制", "scjgj", "药品医疗器械监管股",
     [("《中华人民共和国药品管理法》", "第一百条第二款")], "", [], None),
    ("gengdi-kaikenfei", "耕地开垦费征收", "行政征收", "zrzyj", "耕地保护股",
     [("《中华人民共和国土地管理法》", "第三十条第二款")], "", ["gengdi-kaikenfei-zhengshou"], None),
    ("shuiziyuan-fei", "水资源费征收", "行政征收", "nyncj", "水利股",
     [("《取水许可和水资源费征收管理条例》", "第二十八条")], "", [], None),
    ("fangkong-yidi-jianshefei", "城市基础设施配套费征收", "行政征收", "zjj", "城建股",
     [("《示范省城市基础设施配套费征收管理办法》", "第四条")], "", [], None),
    ("zuidi-shenghuo-baozhang", "最低生活保障金给付", "行政给付", "mzj", "社会救助股",
     [("《社会救助暂行办法》", "第九条"), ("《示范省最低生活保障审核确认办法》", "第十二条")], "", ["zuidi-shenghuo-baozhang"], None),
    ("linshi-jiuzhu", "临时救助金给付", "行政给付", "mzj", "社会救助股",
     [("《社会救助暂行办法》", "第四十七条")], "", ["linshi-jiuzhu"], None),
    ("gaoling-jintie", "高龄津贴给付", "行政给付", "mzj", "养老服务股",
     [("《示范省老年人权益保障条例》", "第二十六条")], "", ["gaoling-jintie"], None),
    ("canjiren-butie", "困难残疾人生活补贴和重度残疾人护理补贴给付", "行政给付", "mzj", "社会事务股",
     [("《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》", "第二条")], "", ["canjiren-liangxiang-butie"], None),
    ("shiye-baoxianjin", "失业保险金给付", "行政给付", "rsj", "就业和失业保险股",
     [("《失业保险条例》", "第十四条")], "", ["shiye-baoxianjin"], None),
    ("nongji-butie", "农业机械购置补贴给付", "行政给付", "nyncj", "农机股",
     [("《中华人民共和国农业机械化促进法》", "第二十七条")], "", ["nongji-gouzhi-butie"], None),
    ("shipin-jiancha", "食品生产经营日常监督检查", "行政检查", "scjgj", "食品安全监管股",
     [("《中华人民共和国食品安全法》", "第一百一十条")], "", [], None),
    ("yiliao-jigou-jiancha", "医疗机构依法执业监督检查", "行政检查", "wsjkj", "卫生监督所",
     [("《医疗机构管理条例》", "第四十条")], "", [], None),
    ("jianzhu-zhiliang-jiancha", "建设工程质量安全监督检查", "行政检查", "zjj", "质量安全监督站",
     [("《建设工程质量管理条例》", "第四十七条"), ("《建设工程安全生产管理条例》", "第四十三条")], "", [], None),
    ("laodong-baozhang-jiancha", "劳动保障监察", "行政检查", "rsj", "劳动保障监察大队",
     [("《劳动保障监察条例》", "第十一条")], "", [], None),
    ("jiehun-dengji", "结婚登记", "行政确认", "mzj", "婚姻登记处",
     [("《中华人民共和国民法典》", "第一千零四十九条"), ("《婚姻登记条例》", "第四条")], "即时", ["jiehun-dengji"], None),
    ("jmsfz-shenling", "居民身份证核发", "行政确认", "gaj", "户政大队",
     [("《中华人民共和国居民身份证法》", "第八条")], "60日", ["jmsfz-shenling"], None),
    ("bdc-dengji", "不动产登记", "行政确认", "zrzyj", "不动产登记中心",
     [("《不动产登记暂行条例》", "第二十条")], "5个工作日", ["bdc-zhuanyi-dengji"], None),
    ("gongshang-rending", "工伤认定", "行政确认", "rsj", "工伤保险股",
     [("《工伤保险条例》", "第二十条第一款")], "60日", [], None),
    ("jubao-jiangli", "食品安全等市场监管领域违法行为举报奖励", "行政奖励", "scjgj", "综合执法大队",
     [("《市场监管领域重大违法行为举报奖励暂行办法》", "第四条")], "", ["shipin-jubao-jiangli"], None),
    ("jiaoyu-biaozhang", "优秀教师、教育工作者表彰", "行政奖励", "jyj", "人事股",
     [("《中华人民共和国教师法》", "第三十三条")], "", [], None),
    ("linquan-caijue", "林木、林地权属争议裁决", "行政裁决", "xzf", "县自然资源局（受委托承办）",
     [("《中华人民共和国森林法》", "第二十二条第二款")], "", [], None),
    ("tudi-quanshu-caijue", "土地权属争议处理", "行政裁决", "xzf", "县自然资源局（受委托承办）",
     [("《中华人民共和国土地管理法》", "第十四条第二款")], "", [], None),
    ("touzi-xiangmu-beian", "企业投资项目备案", "其他行政权力", "fgw", "投资股",
     [("《企业投资项目核准和备案管理条例》", "第十三条")], "即时", ["qiye-touzi-xiangmu-beian"], None),
    ("yingji-yuan-beian", "生产经营单位生产安全事故应急预案备案", "其他行政权力", "gxj", "安全生产股",
     [("《生产安全事故应急条例》", "第七条")], "5个工作日", [], None),
    ("chusheng-yixue-zhengming", "出生医学证明签发", "公共服务", "wsjkj", "妇幼健康股",
     [("《中华人民共和国母婴保健法》", "第二十三条")], "即时", ["chusheng-yixue-zhengming"], None),
    ("yidi-jiuyi-beian", "异地就医备案", "公共服务", "ylbzj", "医保经办中心",
     [("《国家医疗保障局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》", "第二条")], "即时", ["yidi-jiuyi-beian"], None),
    ("yiwu-jiaoyu-ruxue", "义务教育入学服务", "公共服务", "jyj", "基础教育股",
     [("《中华人民共和国义务教育法》", "第十二条")], "", ["yiwu-jiaoyu-ruxue"], None),
    ("chuangye-danbao-daikuan", "创业担保贷款申请受理", "公共服务", "rsj", "就业服务中心",
     [("《中华人民共和国就业促进法》", "第七条")], "15个工作日", ["chuangye-danbao-daikuan"], None),
]


def dump(meta: dict) -> str:
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=200)


def main(argv: list[str]) -> int:
    force = "--force" in argv
    registry = departments.load(ROOT / "content")
    OUT.mkdir(parents=True, exist_ok=True)
    counters: dict[tuple[str, str], int] = {}
    written = 0
    for slug, title, category, dept, office, basis, limit, guides, discretion in ITEMS:
        key = (PREFIX[category], dept.upper())
        counters[key] = counters.get(key, 0) + 1
        code = f"{key[0]}-{key[1]}-{counters[key]:03d}"
        ext, internal = flows(category, limit or "10个工作日")
        meta = {
            "title": title,
            "code": code,
            "power_type": category,
            "basis": [{"law": law, "article": art} for law, art in basis],
            "department": dept,
            "office": office,
            "duties": DUTIES.get(category, DEFAULT_DUTIES),
            "accountability": ACCOUNTABILITY,
            "supervision_phone": registry.by_code[dept].phone,
        }
        if discretion:
            meta["discretion"] = [{"level": lv, "situation": sit, "penalty": pen}
                                  for lv, sit, pen in discretion]
        meta["flow_external"] = ext
        meta["flow_internal"] = internal
        meta["date"] = DATE
        path = OUT / f"{slug}.md"
        if path.exists() and not force:
            continue
        body = (f"{title}由{registry.by_code[dept].name}{office}承办。对办理过程有意见的，可拨打监督电话，"
                "或通过县政府门户网站“互动交流”栏目反映。\n")
        path.write_text(f"---\n{dump(meta)}---\n\n{body}", encoding="utf-8")
        written += 1
        for g in guides:
            gp = ROOT / "content" / "bsfw" / f"{g}.md"
            text = gp.read_text(encoding="utf-8")
            if "\npower:" not in text:
                line = next(ln for ln in text.split("\n") if ln.startswith("item_type:"))
                gp.write_text(text.replace(line + "\n", f"{line}\npower: {code}\n", 1), encoding="utf-8")
    print(f"{written} 个权力事项写入 {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
