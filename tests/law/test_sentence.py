"""Parsing 判决主文 into the executed sentence.

The wordings are written the way Chinese courts write them; the names (张某, 李某 …) are
placeholders, not people.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from zhijian.law.errors import LawInputError
from zhijian.law.sentence import LIFE, Restrictions, Sentence, parse_sentence, restrictions


def sentence(
    principal: str,
    *,
    term: int | None = None,
    probation: int | None = None,
    fine: int | None = None,
    confiscation: str | None = None,
    confiscation_yuan: int | None = None,
    rights: int | None = None,
    limited_reduction: bool = False,
    life_without_parole: bool = False,
) -> Sentence:
    """The expected sentence with every field spelled out, amounts in whole yuan."""
    return Sentence(
        principal_penalty=principal,
        term_months=term,
        probation_months=probation,
        fine_yuan=None if fine is None else Decimal(fine),
        confiscation=confiscation,
        confiscation_yuan=None if confiscation_yuan is None else Decimal(confiscation_yuan),
        political_rights_months=rights,
        limited_reduction=limited_reduction,
        life_without_parole=life_without_parole,
    )


FIXED = "有期徒刑"
DEATH_SUSPENDED = "死刑缓期二年执行"

WORDINGS = [
    # 有期徒刑, every numeral style
    pytest.param("判处有期徒刑三年六个月", sentence(FIXED, term=42), id="fixed-三年六个月"),
    pytest.param("判处有期徒刑一年零六个月", sentence(FIXED, term=18), id="fixed-一年零六个月"),
    pytest.param("判处有期徒刑两年", sentence(FIXED, term=24), id="fixed-两年"),
    pytest.param("判处有期徒刑十一年", sentence(FIXED, term=132), id="fixed-十一年"),
    pytest.param("判处有期徒刑二十年", sentence(FIXED, term=240), id="fixed-二十年"),
    pytest.param("判处有期徒刑十五年", sentence(FIXED, term=180), id="fixed-十五年"),
    pytest.param("判处有期徒刑六个月", sentence(FIXED, term=6), id="fixed-六个月"),
    pytest.param("判处有期徒刑1年6个月", sentence(FIXED, term=18), id="fixed-1年6个月"),
    pytest.param("判处有期徒刑3年", sentence(FIXED, term=36), id="fixed-3年"),
    pytest.param("判处有期徒刑十个月", sentence(FIXED, term=10), id="fixed-十个月"),
    pytest.param("判处有期徒刑一年又六个月", sentence(FIXED, term=18), id="fixed-一年又六个月"),
    pytest.param("判处有期徒刑十年零三个月", sentence(FIXED, term=123), id="fixed-十年零三个月"),
    pytest.param("判处 有期徒刑 三 年 六 个月", sentence(FIXED, term=42), id="fixed-stray-spaces"),
    pytest.param("判处有期徒刑３年６个月", sentence(FIXED, term=42), id="fixed-full-width"),
    pytest.param("判处有期徒刑贰年", sentence(FIXED, term=24), id="fixed-financial"),
    # 拘役 and 管制
    pytest.param("判处拘役三个月", sentence("拘役", term=3), id="detention-三个月"),
    pytest.param("判处拘役四个月", sentence("拘役", term=4), id="detention-四个月"),
    pytest.param("判处拘役1个月", sentence("拘役", term=1), id="detention-1个月"),
    pytest.param("判处拘役六个月", sentence("拘役", term=6), id="detention-六个月"),
    pytest.param(
        "被告人王某犯非法携带管制刀具危及公共安全罪，判处拘役四个月。",
        sentence("拘役", term=4),
        id="detention-crime-name-mentions-管制",
    ),
    pytest.param("判处管制一年", sentence("管制", term=12), id="control-一年"),
    pytest.param("判处管制六个月", sentence("管制", term=6), id="control-六个月"),
    pytest.param("判处管制一年六个月", sentence("管制", term=18), id="control-一年六个月"),
    pytest.param(
        "判处管制二年，剥夺政治权利二年",
        sentence("管制", term=24, rights=24),
        id="control-with-political-rights",
    ),
    # 无期徒刑, 死刑缓期二年执行, 死刑
    pytest.param(
        "判处无期徒刑，剥夺政治权利终身",
        sentence("无期徒刑", rights=LIFE),
        id="life",
    ),
    pytest.param(
        "判处无期徒刑，剥夺政治权利终身，并处没收个人全部财产",
        sentence("无期徒刑", rights=LIFE, confiscation="全部"),
        id="life-confiscate-all",
    ),
    pytest.param(
        "判处死刑，缓期二年执行，剥夺政治权利终身",
        sentence(DEATH_SUSPENDED, rights=LIFE),
        id="suspended-死刑，缓期二年执行",
    ),
    pytest.param(
        "判处死刑缓期二年执行，剥夺政治权利终身",
        sentence(DEATH_SUSPENDED, rights=LIFE),
        id="suspended-死刑缓期二年执行",
    ),
    pytest.param(
        "判处死刑，缓期两年执行，剥夺政治权利终身，并处没收个人全部财产",
        sentence(DEATH_SUSPENDED, rights=LIFE, confiscation="全部"),
        id="suspended-缓期两年执行",
    ),
    pytest.param(
        "判处死刑，缓期二年执行，剥夺政治权利终身，并处没收个人全部财产；同时决定对其限制减刑。",
        sentence(DEATH_SUSPENDED, rights=LIFE, confiscation="全部", limited_reduction=True),
        id="suspended-同时决定对其限制减刑",
    ),
    pytest.param(
        "判处死刑，缓期二年执行，剥夺政治权利终身，限制减刑",
        sentence(DEATH_SUSPENDED, rights=LIFE, limited_reduction=True),
        id="suspended-限制减刑",
    ),
    pytest.param(
        "被告人赵某犯受贿罪，判处死刑，缓期二年执行，剥夺政治权利终身，并处没收个人全部财产，"
        "在其死刑缓期执行二年期满依法减为无期徒刑后，终身监禁，不得减刑、假释。",
        sentence(DEATH_SUSPENDED, rights=LIFE, confiscation="全部", life_without_parole=True),
        id="suspended-终身监禁",
    ),
    pytest.param("判处死刑，剥夺政治权利终身", sentence("死刑", rights=LIFE), id="death"),
    pytest.param(
        "被告人孙某犯故意杀人罪，判处死刑，剥夺政治权利终身，并处没收个人全部财产。",
        sentence("死刑", rights=LIFE, confiscation="全部"),
        id="death-confiscate-all",
    ),
    # 缓刑
    pytest.param(
        "判处有期徒刑三年，缓刑四年", sentence(FIXED, term=36, probation=48), id="probation-缓刑"
    ),
    pytest.param(
        "判处有期徒刑二年，宣告缓刑三年",
        sentence(FIXED, term=24, probation=36),
        id="probation-宣告缓刑",
    ),
    pytest.param(
        "判处拘役三个月，缓刑六个月",
        sentence("拘役", term=3, probation=6),
        id="probation-detention",
    ),
    pytest.param(
        "判处拘役五个月，缓刑五个月",
        sentence("拘役", term=5, probation=5),
        id="probation-detention-equal-to-term",
    ),
    pytest.param(
        "判处有期徒刑一年，缓刑考验期限为二年",
        sentence(FIXED, term=12, probation=24),
        id="probation-缓刑考验期限为",
    ),
    pytest.param(
        "判处拘役四个月，缓刑考验期为一年",
        sentence("拘役", term=4, probation=12),
        id="probation-缓刑考验期为",
    ),
    pytest.param(
        "判处有期徒刑六个月，缓刑一年，并处罚金人民币二千元",
        sentence(FIXED, term=6, probation=12, fine=2000),
        id="probation-six-months-with-fine",
    ),
    pytest.param(
        "判处有期徒刑三年，缓刑五年，并处罚金人民币十万元",
        sentence(FIXED, term=36, probation=60, fine=100000),
        id="probation-longest",
    ),
    # 罚金
    pytest.param(
        "判处有期徒刑一年，并处罚金人民币五千元",
        sentence(FIXED, term=12, fine=5000),
        id="fine-并处罚金人民币五千元",
    ),
    pytest.param(
        "判处有期徒刑二年，罚金一万二千元",
        sentence(FIXED, term=24, fine=12000),
        id="fine-罚金一万二千元",
    ),
    pytest.param(
        "判处有期徒刑五年，并处罚金二十万元",
        sentence(FIXED, term=60, fine=200000),
        id="fine-二十万元",
    ),
    pytest.param(
        "判处有期徒刑一年，罚金5000元", sentence(FIXED, term=12, fine=5000), id="fine-5000元"
    ),
    pytest.param(
        "判处有期徒刑一年，并处罚金人民币10,000元",
        sentence(FIXED, term=12, fine=10000),
        id="fine-10,000元",
    ),
    pytest.param(
        "判处有期徒刑四年，并处罚金人民币3.5万元",
        sentence(FIXED, term=48, fine=35000),
        id="fine-3.5万元",
    ),
    pytest.param(
        "判处有期徒刑一年，并处罚金人民币贰仟元",
        sentence(FIXED, term=12, fine=2000),
        id="fine-贰仟元",
    ),
    pytest.param(
        "判处有期徒刑十五年，剥夺政治权利五年，并处罚金人民币壹拾万元",
        sentence(FIXED, term=180, rights=60, fine=100000),
        id="fine-壹拾万元",
    ),
    # 没收财产
    pytest.param(
        "判处有期徒刑十年，并处没收个人财产人民币十万元",
        sentence(FIXED, term=120, confiscation="部分", confiscation_yuan=100000),
        id="confiscate-amount",
    ),
    pytest.param(
        "判处有期徒刑十二年，剥夺政治权利三年，并处没收个人部分财产",
        sentence(FIXED, term=144, rights=36, confiscation="部分"),
        id="confiscate-部分-no-amount",
    ),
    pytest.param(
        "判处有期徒刑七年，并处没收个人部分财产人民币二十万元",
        sentence(FIXED, term=84, confiscation="部分", confiscation_yuan=200000),
        id="confiscate-部分-amount",
    ),
    # 剥夺政治权利
    pytest.param(
        "判处有期徒刑八年，剥夺政治权利三年",
        sentence(FIXED, term=96, rights=36),
        id="rights-三年",
    ),
    pytest.param(
        "单处剥夺政治权利一年",
        sentence("单处剥夺政治权利", rights=12),
        id="rights-alone",
    ),
    pytest.param(
        "被告人周某犯侮辱罪，单处剥夺政治权利一年六个月。",
        sentence("单处剥夺政治权利", rights=18),
        id="rights-alone-in-paragraph",
    ),
    # 单处罚金, 免予刑事处罚
    pytest.param("单处罚金人民币二千元", sentence("单处罚金", fine=2000), id="fine-alone"),
    pytest.param(
        "被告人吴某犯非法经营罪，判处罚金人民币五万元。",
        sentence("单处罚金", fine=50000),
        id="fine-alone-判处罚金",
    ),
    pytest.param("对被告人郑某免予刑事处罚。", sentence("免予刑事处罚"), id="exempt"),
    pytest.param(
        "被告人郑某犯过失致人重伤罪，免于刑事处罚。",
        sentence("免予刑事处罚"),
        id="exempt-免于",
    ),
    # 数罪并罚
    pytest.param(
        "被告人张某犯故意伤害罪，判处有期徒刑三年；犯盗窃罪，判处有期徒刑一年，"
        "并处罚金人民币二千元；决定执行有期徒刑三年六个月，并处罚金人民币二千元。",
        sentence(FIXED, term=42, fine=2000),
        id="combined-fine-stated",
    ),
    pytest.param(
        "被告人张某犯盗窃罪，判处有期徒刑一年，并处罚金人民币二千元；犯诈骗罪，判处有期徒刑二年，"
        "并处罚金人民币一万元；决定执行有期徒刑二年六个月。",
        sentence(FIXED, term=30, fine=12000),
        id="combined-fines-added",
    ),
    pytest.param(
        "被告人钱某犯危险驾驶罪，判处拘役四个月，并处罚金人民币五千元；犯妨害公务罪，"
        "判处拘役五个月；决定执行拘役八个月，并处罚金人民币五千元。",
        sentence("拘役", term=8, fine=5000),
        id="combined-detention-over-six-months",
    ),
    pytest.param(
        "被告人马某犯侮辱罪，判处管制一年六个月；犯诽谤罪，判处管制二年；决定执行管制三年。",
        sentence("管制", term=36),
        id="combined-control-three-years",
    ),
    pytest.param(
        "被告人陈某犯抢劫罪，判处有期徒刑十年，剥夺政治权利二年，并处罚金人民币二万元；"
        "犯故意伤害罪，判处有期徒刑三年；"
        "决定执行有期徒刑十二年，剥夺政治权利二年，并处罚金人民币二万元。",
        sentence(FIXED, term=144, rights=24, fine=20000),
        id="combined-rights-stated",
    ),
    pytest.param(
        "被告人陈某犯抢劫罪，判处有期徒刑五年，剥夺政治权利一年；犯强奸罪，判处有期徒刑四年，"
        "剥夺政治权利二年；决定执行有期徒刑八年。",
        sentence(FIXED, term=96, rights=36),
        id="combined-rights-added",
    ),
    pytest.param(
        "被告人林某犯故意杀人罪，判处无期徒刑，剥夺政治权利终身；犯抢劫罪，判处有期徒刑五年，"
        "剥夺政治权利一年；决定执行无期徒刑。",
        sentence("无期徒刑", rights=LIFE),
        id="combined-life-rights-for-life",
    ),
    pytest.param(
        "被告人冯某犯故意杀人罪，判处死刑，缓期二年执行，剥夺政治权利终身；犯抢劫罪，"
        "判处有期徒刑十年，并处罚金人民币一万元；决定执行死刑，缓期二年执行，"
        "剥夺政治权利终身，并处罚金人民币一万元；同时决定对其限制减刑。",
        sentence(DEATH_SUSPENDED, rights=LIFE, fine=10000, limited_reduction=True),
        id="combined-suspended-limited-reduction",
    ),
    pytest.param(
        "被告人何某犯盗窃罪，判处有期徒刑一年，并处罚金人民币二千元；犯诈骗罪，"
        "判处有期徒刑一年六个月，并处罚金人民币三千元；决定执行有期徒刑二年，缓刑三年，"
        "并处罚金人民币五千元。",
        sentence(FIXED, term=24, probation=36, fine=5000),
        id="combined-probation",
    ),
    pytest.param(
        "被告人杨某犯受贿罪，判处有期徒刑八年，并处没收个人财产人民币五万元；犯贪污罪，"
        "判处有期徒刑五年，并处没收个人财产人民币三万元；决定执行有期徒刑十二年。",
        sentence(FIXED, term=144, confiscation="部分", confiscation_yuan=80000),
        id="combined-confiscations-added",
    ),
    pytest.param(
        "被告人杨某犯受贿罪，判处有期徒刑十二年，并处没收个人部分财产；犯贪污罪，"
        "判处有期徒刑五年，并处没收个人财产人民币三万元；决定执行有期徒刑十五年。",
        sentence(FIXED, term=180, confiscation="部分"),
        id="combined-confiscation-amount-unknown",
    ),
    pytest.param(
        "撤销本院(2019)鲁0102刑初100号刑事判决中对被告人陈某宣告缓刑三年的部分；"
        "被告人陈某犯盗窃罪，判处有期徒刑一年，与前罪判处的有期徒刑二年并罚，"
        "决定执行有期徒刑二年十个月。",
        sentence(FIXED, term=34),
        id="combined-revoked-probation-not-taken",
    ),
    # Full paragraphs with the 刑期 clause
    pytest.param(
        "被告人李某犯盗窃罪，判处有期徒刑二年六个月，并处罚金人民币五千元。"
        "（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，"
        "即自2021年3月5日起至2023年9月4日止。罚金于判决生效后十日内缴纳。）",
        sentence(FIXED, term=30, fine=5000),
        id="paragraph-刑期-clause-bracketed",
    ),
    pytest.param(
        "被告人李某犯盗窃罪，判处有期徒刑二年六个月，并处罚金人民币五千元。"
        "刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，"
        "即自2021年3月5日起至2023年9月4日止。罚金于判决生效后十日内缴纳。",
        sentence(FIXED, term=30, fine=5000),
        id="paragraph-刑期-clause-unbracketed",
    ),
    pytest.param(
        "一、被告人张某犯诈骗罪，判处有期徒刑三年，并处罚金人民币三万元。"
        "（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，"
        "即自二〇二三年五月十日起至二〇二六年五月九日止。罚金于本判决生效后十日内缴纳。）"
        "二、责令被告人张某退赔被害人经济损失人民币五万元。"
        "三、扣押在案的作案手机一部予以没收。",
        sentence(FIXED, term=36, fine=30000),
        id="paragraph-numbered-items-restitution-and-seizure",
    ),
    pytest.param(
        "被告人何某犯寻衅滋事罪，判处有期徒刑一年，缓刑二年。"
        "（缓刑考验期限，从判决确定之日起计算。）"
        "禁止被告人何某在缓刑考验期限内进入酒吧、夜总会等娱乐场所。",
        sentence(FIXED, term=12, probation=24),
        id="paragraph-probation-with-prohibition-order",
    ),
    pytest.param(
        "被告人刘某犯危险驾驶罪，判处拘役二个月，缓刑三个月，并处罚金人民币三千元。"
        "缓刑考验期限，从判决确定之日起计算。罚金已缴纳。",
        sentence("拘役", term=2, probation=3, fine=3000),
        id="paragraph-drunk-driving-probation",
    ),
    pytest.param(
        "被告人马某犯盗窃罪，判处管制一年，并处罚金人民币一千元。"
        "（管制刑期从判决执行之日起计算；判决执行以前先行羁押的，羁押一日折抵刑期二日，"
        "即自2024年1月10日起至2024年12月20日止。）",
        sentence("管制", term=12, fine=1000),
        id="paragraph-control",
    ),
    pytest.param(
        "被告人高某犯抢劫罪，判处有期徒刑十年，剥夺政治权利二年，并处罚金人民币二万元。"
        "（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，"
        "即自2022年8月1日起至2032年7月31日止。）",
        sentence(FIXED, term=120, rights=24, fine=20000),
        id="paragraph-robbery",
    ),
]


@pytest.mark.parametrize(("text", "expected"), WORDINGS)
def test_parse_sentence_reads_court_wording(text: str, expected: Sentence) -> None:
    # given the operative wording of a judgment
    # when it is parsed
    result = parse_sentence(text)
    # then every field of the executed sentence is as written
    assert result == expected


ERRORS = [
    pytest.param("", "判决主文为空", id="empty"),
    pytest.param(" \n\u3000", "判决主文为空", id="blank"),
    pytest.param("被告人某某犯盗窃罪", "未能识别主刑：被告人某某犯盗窃罪", id="no-principal"),
    pytest.param("判处有期徒刑", "有期徒刑未写明刑期", id="fixed-no-length"),
    pytest.param(
        "判处有期徒刑，并处罚金人民币五千元", "有期徒刑未写明刑期", id="fixed-no-length-with-fine"
    ),
    pytest.param("判处拘役", "拘役未写明刑期", id="detention-no-length"),
    pytest.param(
        "判处有期徒刑三十年",
        "有期徒刑刑期超出法定范围（六个月以上二十五年以下）：有期徒刑三十年",
        id="fixed-too-long",
    ),
    pytest.param(
        "判处有期徒刑五个月",
        "有期徒刑刑期超出法定范围（六个月以上二十五年以下）：有期徒刑五个月",
        id="fixed-too-short",
    ),
    pytest.param(
        "犯甲罪，判处有期徒刑十五年；犯乙罪，判处有期徒刑十五年；决定执行有期徒刑二十六年。",
        "有期徒刑刑期超出法定范围（六个月以上二十五年以下）：有期徒刑二十六年",
        id="combined-fixed-too-long",
    ),
    pytest.param(
        "判处拘役七个月",
        "拘役刑期超出法定范围（一个月以上六个月以下）：拘役七个月",
        id="detention-too-long",
    ),
    pytest.param(
        "犯甲罪，判处拘役六个月；犯乙罪，判处拘役六个月；决定执行拘役一年一个月。",
        "拘役刑期超出法定范围（一个月以上一年以下）：拘役一年一个月",
        id="combined-detention-too-long",
    ),
    pytest.param(
        "判处管制二个月",
        "管制刑期超出法定范围（三个月以上二年以下）：管制二个月",
        id="control-too-short",
    ),
    pytest.param(
        "判处管制二年六个月",
        "管制刑期超出法定范围（三个月以上二年以下）：管制二年六个月",
        id="control-too-long",
    ),
    pytest.param(
        "犯甲罪，判处管制二年；犯乙罪，判处管制二年；决定执行管制三年六个月。",
        "管制刑期超出法定范围（三个月以上三年以下）：管制三年六个月",
        id="combined-control-too-long",
    ),
    pytest.param(
        "判处有期徒刑二年，缓刑一年",
        "缓刑考验期限短于原判刑期（刑法第七十三条）：缓刑一年",
        id="probation-shorter-than-term",
    ),
    pytest.param(
        "判处有期徒刑三年，缓刑六年",
        "有期徒刑的缓刑考验期限应为原判刑期以上五年以下，且不能少于一年（刑法第七十三条）：缓刑六年",
        id="probation-over-five-years",
    ),
    pytest.param(
        "判处有期徒刑六个月，缓刑六个月",
        "有期徒刑的缓刑考验期限应为原判刑期以上五年以下，且不能少于一年",
        id="probation-under-one-year",
    ),
    pytest.param(
        "判处拘役一个月，缓刑一个月",
        "拘役的缓刑考验期限应为原判刑期以上一年以下，且不能少于二个月（刑法第七十三条）：缓刑一个月",
        id="detention-probation-under-two-months",
    ),
    pytest.param(
        "判处拘役三个月，缓刑一年六个月",
        "拘役的缓刑考验期限应为原判刑期以上一年以下",
        id="detention-probation-over-one-year",
    ),
    pytest.param(
        "判处有期徒刑四年，缓刑五年",
        "缓刑只适用于拘役或者三年以下有期徒刑（刑法第七十二条）：缓刑五年",
        id="probation-term-over-three-years",
    ),
    pytest.param(
        "判处管制一年，缓刑二年",
        "缓刑只适用于拘役或者三年以下有期徒刑（刑法第七十二条）",
        id="probation-control",
    ),
    pytest.param("判处有期徒刑三年，缓刑。", "缓刑未写明考验期限", id="probation-no-length"),
    pytest.param("判处有期徒刑一年，并处罚金", "罚金未写明数额", id="fine-no-amount"),
    pytest.param("判处有期徒刑八年，剥夺政治权利", "剥夺政治权利未写明期限", id="rights-no-length"),
    pytest.param(
        "犯甲罪，判处有期徒刑三年；犯乙罪，判处有期徒刑一年。",
        "判决主文包含多个主刑，但未写明决定执行的刑罚",
        id="several-crimes-no-executed-sentence",
    ),
    pytest.param(
        "判处有期徒刑十年，同时决定对其限制减刑",
        "限制减刑只适用于被判处死刑缓期执行的犯罪分子（刑法第五十条第二款）",
        id="limited-reduction-without-suspension",
    ),
    pytest.param(
        "判处无期徒刑，剥夺政治权利终身，终身监禁，不得减刑、假释",
        "终身监禁只适用于被判处死刑缓期执行的贪污、受贿犯罪分子（刑法第三百八十三条第四款）",
        id="life-without-parole-without-suspension",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_parse_sentence_rejects_wording_with_a_chinese_message(text: str, message: str) -> None:
    # given wording that is empty, incomplete or outside the law's bounds
    # when it is parsed
    with pytest.raises(LawInputError) as raised:
        parse_sentence(text)
    # then the message says what is wrong, in Chinese
    assert message in str(raised.value)


def test_to_json_keeps_the_contract_order_and_turns_amounts_into_numbers() -> None:
    # given a sentence with a whole and a fractional amount
    parsed = Sentence(
        principal_penalty="有期徒刑",
        term_months=30,
        fine_yuan=Decimal("35000"),
        confiscation="部分",
        confiscation_yuan=Decimal("1234.50"),
    )
    # when it is turned into JSON
    data = parsed.to_json()
    # then the keys follow the contract and amounts are int when whole, else float
    assert list(data) == [
        "principal_penalty",
        "term_months",
        "probation_months",
        "fine_yuan",
        "confiscation",
        "confiscation_yuan",
        "political_rights_months",
        "limited_reduction",
        "life_without_parole",
    ]
    assert json.loads(json.dumps(data)) == {
        "principal_penalty": "有期徒刑",
        "term_months": 30,
        "probation_months": None,
        "fine_yuan": 35000,
        "confiscation": "部分",
        "confiscation_yuan": 1234.5,
        "political_rights_months": None,
        "limited_reduction": False,
        "life_without_parole": False,
    }
    assert isinstance(data["fine_yuan"], int)


def test_parsed_sentence_round_trips_through_json() -> None:
    # given a parsed 死缓 with every additional penalty
    parsed = parse_sentence(
        "判处死刑，缓期二年执行，剥夺政治权利终身，并处没收个人全部财产；同时决定对其限制减刑。"
    )
    # when serialized
    data = json.loads(json.dumps(parsed.to_json()))
    # then the flags and the life-long deprivation survive
    assert data["principal_penalty"] == "死刑缓期二年执行"
    assert data["political_rights_months"] == -1
    assert data["limited_reduction"] is True
    assert data["confiscation"] == "全部"


# The decisions as the statute words them, written into a 主文: 刑法第五十条第二款
# “人民法院根据犯罪情节等情况可以同时决定对其限制减刑”; 第三百八十三条第四款 “……同时决定
# 在其死刑缓期执行二年期满依法减为无期徒刑后，终身监禁，不得减刑、假释”.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "被告人张某犯故意杀人罪，判处死刑，缓期二年执行，剥夺政治权利终身；"
            "同时决定对其限制减刑。",
            Restrictions(limited_reduction=True, life_without_parole=False),
        ),
        (
            "被告人李某犯受贿罪，判处死刑，缓期二年执行，剥夺政治权利终身，并处没收个人全部财产；"
            "在其死刑缓期执行二年期满依法减为无期徒刑后，终身监禁，不得减刑、假释。",
            Restrictions(limited_reduction=False, life_without_parole=True),
        ),
        (
            "判处死刑，缓期二年执行（限制减刑），剥夺政治权利终身",
            Restrictions(limited_reduction=True, life_without_parole=False),
        ),
        (
            "判处死刑，缓期二年执行，剥夺政治权利终身。",
            Restrictions(limited_reduction=False, life_without_parole=False),
        ),
        (
            # Wording the full parser refuses (two defendants) still says what it decides.
            "被告人张某犯故意杀人罪，判处死刑，缓期二年执行，同时决定对其限制减刑；"
            "被告人王某犯故意杀人罪，判处无期徒刑。",
            Restrictions(limited_reduction=True, life_without_parole=False),
        ),
        (
            "判处死刑，缓期二年执行，不予限制减刑。",
            Restrictions(limited_reduction=False, life_without_parole=False),
        ),
        (
            "判处有期徒刑十年，不得减刑",  # 不得减刑 alone is neither decision
            Restrictions(limited_reduction=False, life_without_parole=False),
        ),
    ],
)
def test_restrictions_read_from_the_judgment(text: str, expected: Restrictions) -> None:
    assert restrictions(text) == expected


def test_parse_sentence_and_restrictions_agree_on_the_articles_wording() -> None:
    text = (
        "判处死刑，缓期二年执行，剥夺政治权利终身；在其死刑缓期执行二年期满依法减为无期徒刑后，"
        "终身监禁，不得减刑、假释。"
    )
    parsed = parse_sentence(text)
    assert parsed.principal_penalty == "死刑缓期二年执行"
    assert (parsed.limited_reduction, parsed.life_without_parole) == (False, True)
    bracketed = parse_sentence("判处死刑，缓期二年执行（限制减刑），剥夺政治权利终身")
    assert bracketed.limited_reduction
