"""A tiny inline corpus in both scripts, shared by the engine tests."""

from __future__ import annotations

from matchmaker.engine import NeedDoc, OutcomeDoc

OUTCOMES = [
    OutcomeDoc(
        id=1,
        title="摆动激光焊抑制铝合金焊缝气孔",
        abstract="采用摆动激光焊与保护气优化，降低6系铝合金电池托盘焊缝气孔率，气密一次通过率提升到98%。",
        keywords=("激光焊接", "焊缝气孔", "铝合金"),
        trl=6,
        asking_price_wan=80,
        city="西安",
    ),
    OutcomeDoc(
        id=2,
        title="碳化矽功率模組銀燒結封裝",
        abstract="SiC MOSFET 模組採用銀燒結互連取代焊料，提高功率循環壽命與高溫可靠性。",
        keywords=("銀燒結", "SiC"),
        trl=5,
        city="咸阳",
    ),
    OutcomeDoc(
        id=3,
        title="弱光纤光栅阵列分布式声波传感光缆",
        abstract="在线刻写弱光纤光栅阵列，提高分布式声波传感的信噪比，适合管线与隧道监测。",
        keywords=("光纤光栅", "声波传感"),
    ),
    OutcomeDoc(
        id=4,
        title="铝合金型材挤压模具表面渗氮",
        abstract="对铝合金挤压模具进行离子渗氮处理，模具寿命提高一倍，型材表面质量改善。",
        keywords=("挤压模具", "渗氮"),
    ),
    OutcomeDoc(
        id=5,
        title="热固性复合材料构件残余应力预测与模具型面补偿",
        abstract="建立固化过程残余应力演化模型，预测构件回弹，并据此补偿模具型面。",
        keywords=("残余应力", "型面补偿", "复合材料"),
    ),
    OutcomeDoc(
        id=6,
        title="锂电池正极材料表面包覆改性",
        abstract="通过原子层沉积包覆提高高镍正极材料的循环稳定性和热稳定性。",
        keywords=("正极材料", "包覆"),
    ),
    OutcomeDoc(
        id=7,
        title="輸電線路無人機巡檢影像缺陷辨識",
        abstract="以深度學習辨識絕緣子破損與異物，巡檢效率提升三倍。",
        keywords=("無人機", "缺陷辨識"),
    ),
    OutcomeDoc(
        id=8,
        title="水煤浆气化炉耐火砖抗渣侵蚀",
        abstract="优化高铬砖成分与烧成制度，提高气化炉向火面耐火砖的抗渣侵蚀能力。",
        keywords=("气化炉", "耐火砖"),
    ),
]

NEEDS = [
    NeedDoc(
        id="n-weld",
        title="電池托盤焊縫氣孔多",
        description="鋁合金電池托盤用雷射焊接，焊縫氣孔超標，氣密測試通過率只有88%，希望找到能上產線的工藝。",
        min_trl=6,
        city="西安",
    ),
    NeedDoc(
        id="n-sic",
        title="SiC模块功率循环寿命不够",
        description="我们的碳化硅MOSFET模块在功率循环试验中焊料层开裂，需要更可靠的互连封装工艺。",
    ),
    NeedDoc(
        id="n-uav",
        title="无人机巡检照片太多看不过来",
        description="输电线路巡检每天拍几万张照片，人工找绝缘子缺陷太慢，希望自动识别。",
    ),
]
