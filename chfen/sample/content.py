"""What each emotion looks, sounds and reads like in the synthetic sample.

Every modality of a sample clip is drawn from these tables: subtitle phrases, news titles and
hashtags, the colour grade and camera motion of the scenes, the speaking style of the voice and
the key, tempo and texture of the background music. The tables are deliberately stereotyped (warm
and fast for joy, blue and slow for sadness) so that a model can learn the emotion; the planner
mixes in neutral or off-label material so that no single modality gives the answer away.
"""

from __future__ import annotations

from dataclasses import dataclass

Lang = str  # "zh" or "en"


@dataclass(frozen=True)
class Grade:
    """A colour grade applied to a whole scene: per-channel gains, saturation, brightness
    (added, in 0..1 units), contrast around mid-grey, gamma and a dark vignette strength."""

    gains: tuple[float, float, float]
    saturation: float
    brightness: float
    contrast: float
    gamma: float
    vignette: float


@dataclass(frozen=True)
class Motion:
    """Ken Burns camera motion: how far it zooms in a scene and how much it shakes."""

    zoom: tuple[float, float]
    shake: float


@dataclass(frozen=True)
class Prosody:
    """espeak-ng settings (pitch 0-99, words per minute) plus effects applied afterwards:
    tremolo depth (a trembling voice), drive (a strained, clipped voice) and a low-pass cutoff
    in Hz (a muffled voice; 0 leaves the voice as it is)."""

    pitch: int
    speed: int
    tremolo: float
    drive: float
    lowpass: float


@dataclass(frozen=True)
class MusicStyle:
    """Background music: a scale (semitones from the root), root note (MIDI), tempo, chord
    progression (scale degrees, one chord per ``beats_per_chord``) and timbre, plus texture:
    arpeggios, a low drone, a dissonant cluster note, pitch wobble (vibrato depth as a frequency
    ratio), distortion, drums, a crescendo, random accents, and its RMS level in dBFS (a news
    music bed sits 7-11 dB under the voice)."""

    scale: tuple[int, ...]
    root: int
    tempo: float
    progression: tuple[int, ...]
    beats_per_chord: int = 4
    timbre: str = "warm"
    arpeggio: bool = False
    drone: bool = False
    cluster: bool = False
    wobble: float = 0.0
    drive: float = 0.0
    drums: bool = False
    crescendo: bool = False
    accents: bool = False
    level_db: float = -25.0


@dataclass(frozen=True)
class Style:
    grade: Grade
    motion: Motion
    prosody: Prosody
    music: MusicStyle


MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PHRYGIAN = (0, 1, 3, 5, 7, 8, 10)
LYDIAN = (0, 2, 4, 6, 7, 9, 11)
DIMINISHED = (0, 2, 3, 5, 6, 8, 9, 11)
MIXOLYDIAN = (0, 2, 4, 5, 7, 9, 10)

STYLES: dict[str, Style] = {
    "joy": Style(
        Grade(
            gains=(1.12, 1.04, 0.86),
            saturation=1.3,
            brightness=0.08,
            contrast=1.05,
            gamma=0.9,
            vignette=0.0,
        ),
        Motion(zoom=(1.0, 1.2), shake=0.0),
        Prosody(pitch=72, speed=185, tremolo=0.0, drive=0.0, lowpass=0.0),
        MusicStyle(
            MAJOR,
            root=60,
            tempo=132,
            progression=(0, 4, 5, 3),
            timbre="bright",
            arpeggio=True,
            drums=True,
        ),
    ),
    "trust": Style(
        Grade(
            gains=(1.02, 1.04, 0.98),
            saturation=1.05,
            brightness=0.04,
            contrast=0.92,
            gamma=0.95,
            vignette=0.1,
        ),
        Motion(zoom=(1.0, 1.1), shake=0.0),
        Prosody(pitch=48, speed=150, tremolo=0.0, drive=0.0, lowpass=0.0),
        MusicStyle(MAJOR, root=55, tempo=84, progression=(0, 3, 0, 4), timbre="warm", level_db=-26),
    ),
    "fear": Style(
        Grade(
            gains=(0.85, 0.95, 1.05),
            saturation=0.55,
            brightness=-0.22,
            contrast=1.2,
            gamma=1.25,
            vignette=0.65,
        ),
        Motion(zoom=(1.05, 1.35), shake=0.6),
        Prosody(pitch=66, speed=175, tremolo=0.35, drive=0.0, lowpass=0.0),
        MusicStyle(
            DIMINISHED,
            root=40,
            tempo=56,
            progression=(0, 1, 0, 4),
            timbre="sine",
            drone=True,
            cluster=True,
            wobble=0.004,
            accents=True,
            level_db=-24,
        ),
    ),
    "surprise": Style(
        Grade(
            gains=(1.05, 1.0, 1.1),
            saturation=1.35,
            brightness=0.1,
            contrast=1.15,
            gamma=0.9,
            vignette=0.0,
        ),
        Motion(zoom=(1.0, 1.45), shake=0.2),
        Prosody(pitch=88, speed=170, tremolo=0.0, drive=0.0, lowpass=0.0),
        MusicStyle(
            LYDIAN,
            root=62,
            tempo=144,
            progression=(0, 1, 4, 2),
            beats_per_chord=2,
            timbre="bright",
            arpeggio=True,
            drums=True,
            accents=True,
        ),
    ),
    "sadness": Style(
        Grade(
            gains=(0.86, 0.95, 1.16),
            saturation=0.4,
            brightness=-0.06,
            contrast=0.85,
            gamma=1.1,
            vignette=0.35,
        ),
        Motion(zoom=(1.0, 1.08), shake=0.0),
        Prosody(pitch=30, speed=125, tremolo=0.0, drive=0.0, lowpass=2500.0),
        MusicStyle(
            MINOR,
            root=45,
            tempo=62,
            progression=(0, 5, 2, 6),
            timbre="sine",
            arpeggio=True,
            level_db=-26,
        ),
    ),
    "disgust": Style(
        Grade(
            gains=(0.94, 1.12, 0.72),
            saturation=0.75,
            brightness=-0.03,
            contrast=1.1,
            gamma=1.05,
            vignette=0.25,
        ),
        Motion(zoom=(1.05, 1.2), shake=0.15),
        Prosody(pitch=34, speed=140, tremolo=0.0, drive=0.15, lowpass=3500.0),
        MusicStyle(
            PHRYGIAN,
            root=47,
            tempo=80,
            progression=(0, 1, 0, 6),
            timbre="square",
            cluster=True,
            wobble=0.012,
            drive=0.3,
            level_db=-27,
        ),
    ),
    "anger": Style(
        Grade(
            gains=(1.28, 0.86, 0.8),
            saturation=1.2,
            brightness=-0.02,
            contrast=1.35,
            gamma=1.0,
            vignette=0.3,
        ),
        Motion(zoom=(1.05, 1.3), shake=0.9),
        Prosody(pitch=58, speed=195, tremolo=0.0, drive=0.6, lowpass=0.0),
        MusicStyle(
            PHRYGIAN,
            root=40,
            tempo=152,
            progression=(0, 1, 0, 5),
            beats_per_chord=2,
            timbre="saw",
            drive=0.8,
            drums=True,
            accents=True,
            level_db=-24,
        ),
    ),
    "anticipation": Style(
        Grade(
            gains=(1.1, 1.0, 0.86),
            saturation=1.1,
            brightness=0.0,
            contrast=1.1,
            gamma=1.0,
            vignette=0.15,
        ),
        Motion(zoom=(1.0, 1.3), shake=0.05),
        Prosody(pitch=60, speed=168, tremolo=0.0, drive=0.0, lowpass=0.0),
        MusicStyle(
            MIXOLYDIAN,
            root=52,
            tempo=116,
            progression=(0, 3, 4, 4),
            timbre="warm",
            arpeggio=True,
            drums=True,
            crescendo=True,
        ),
    ),
}

# The material a news clip carries when it is not trying to move anyone.
NEUTRAL_STYLE = Style(
    Grade(
        gains=(1.0, 1.0, 1.0), saturation=1.0, brightness=0.0, contrast=1.0, gamma=1.0, vignette=0.0
    ),
    Motion(zoom=(1.0, 1.15), shake=0.0),
    Prosody(pitch=50, speed=160, tremolo=0.0, drive=0.0, lowpass=0.0),
    MusicStyle(MAJOR, root=50, tempo=100, progression=(0, 4, 5, 4), timbre="warm", level_db=-28),
)

# Subtitle lines: short enough to be spoken in under four seconds.
PHRASES: dict[str, dict[Lang, tuple[str, ...]]] = {
    "joy": {
        "zh": (
            "太开心了！",
            "我们赢了！",
            "这是最幸福的一天",
            "大家都笑了",
            "真是好消息",
            "全场欢呼起来",
            "终于实现梦想了",
            "笑得合不拢嘴",
        ),
        "en": (
            "We did it!",
            "This is the best day ever",
            "Everyone is smiling",
            "What wonderful news",
            "The crowd is cheering",
            "I am so happy right now",
            "Our dream came true",
            "Pure joy today",
        ),
    },
    "trust": {
        "zh": (
            "请放心，我们在这里",
            "有他在就安心了",
            "谢谢每一位志愿者",
            "我们相信他们",
            "邻居们互相帮助",
            "警察一直守护着大家",
            "说到做到",
            "这份承诺很可靠",
        ),
        "en": (
            "You can count on us",
            "We are here to help",
            "Thank you to every volunteer",
            "Neighbours helping neighbours",
            "They kept their promise",
            "We trust the rescue team",
            "Safe hands tonight",
            "Always there for you",
        ),
    },
    "fear": {
        "zh": (
            "快跑，危险！",
            "我好害怕",
            "水还在往上涨",
            "外面有奇怪的声音",
            "请马上撤离",
            "大家都很紧张",
            "不知道会发生什么",
            "天一下子黑了",
        ),
        "en": (
            "Run, it is coming!",
            "I am really scared",
            "The water keeps rising",
            "Something is out there",
            "Please evacuate now",
            "Nobody knows what happens next",
            "Stay inside and lock the doors",
            "It went dark so fast",
        ),
    },
    "surprise": {
        "zh": (
            "什么？真的吗？",
            "没想到会这样",
            "太不可思议了",
            "大家都惊呆了",
            "突然就出现了",
            "谁也没料到",
            "竟然是这样",
            "简直不敢相信",
        ),
        "en": (
            "Wait, what?",
            "Nobody saw that coming",
            "I cannot believe my eyes",
            "It appeared out of nowhere",
            "What a twist",
            "Totally unexpected",
            "Is this for real?",
            "Everyone gasped",
        ),
    },
    "sadness": {
        "zh": (
            "他再也回不来了",
            "心里很难过",
            "我们会想念你",
            "眼泪止不住",
            "一切都没了",
            "只剩下回忆",
            "老人独自等待",
            "再见了，朋友",
        ),
        "en": (
            "He is never coming back",
            "We will miss you",
            "I cannot stop crying",
            "Everything is gone",
            "Only memories are left",
            "She waited alone",
            "Goodbye, old friend",
            "A very sad day",
        ),
    },
    "disgust": {
        "zh": (
            "太恶心了",
            "这也能吃？",
            "到处都是垃圾",
            "闻起来好臭",
            "看不下去了",
            "后厨脏得不像话",
            "令人作呕",
            "真是让人反感",
        ),
        "en": (
            "That is disgusting",
            "Who would eat this?",
            "Trash everywhere",
            "The smell is awful",
            "I can't watch this",
            "The kitchen is filthy",
            "Absolutely revolting",
            "Gross, just gross",
        ),
    },
    "anger": {
        "zh": (
            "太过分了！",
            "凭什么这样对我们",
            "必须给个说法",
            "简直无法容忍",
            "大家都气炸了",
            "这是欺负人",
            "我们要讨回公道",
            "别再骗人了",
        ),
        "en": (
            "This is outrageous!",
            "How dare they",
            "We demand answers",
            "Enough is enough",
            "People are furious",
            "Stop lying to us",
            "This is unacceptable",
            "We want justice now",
        ),
    },
    "anticipation": {
        "zh": (
            "倒计时开始了",
            "马上就要揭晓",
            "明天见分晓",
            "大家都在等待",
            "准备好了吗",
            "好戏就要开场",
            "还有最后三天",
            "敬请期待",
        ),
        "en": (
            "The countdown has begun",
            "Results come out tomorrow",
            "Get ready",
            "Only three days left",
            "Everyone is waiting",
            "The big moment is near",
            "Stay tuned",
            "Here it comes",
        ),
    },
}

NEUTRAL_PHRASES: dict[Lang, tuple[str, ...]] = {
    "zh": (
        "记者现场报道",
        "今天上午十点",
        "据当地媒体消息",
        "事情是这样的",
        "我们继续关注",
        "这是现场画面",
        "目前情况如下",
        "更多消息稍后播报",
    ),
    "en": (
        "Reporting live from the scene",
        "At ten this morning",
        "According to local media",
        "Here is what happened",
        "We will keep following this",
        "These are the pictures",
        "More updates later",
        "Here is the latest",
    ),
}

TITLES: dict[str, dict[Lang, tuple[str, ...]]] = {
    "joy": {
        "zh": (
            "小区为百岁老人办生日宴 全场笑声不断",
            "高考放榜 山村女孩考上清华",
            "球队时隔二十年再夺冠军",
            "失散三十年的兄弟终于团聚",
            "新人在地铁站办了一场快闪婚礼",
            "果农迎来大丰收 笑开了花",
        ),
        "en": (
            "Village celebrates 100th birthday of beloved grandmother",
            "Local team wins the title after 20 years",
            "Brothers reunited after 30 years apart",
            "Students cheer as exam results arrive",
            "Surprise wedding lights up the subway",
            "Farmers celebrate a record harvest",
        ),
    },
    "trust": {
        "zh": (
            "消防员连夜救援 被困群众全部转移",
            "外卖小哥捡到钱包原物奉还",
            "社区志愿者坚守一线",
            "医生三天三夜守在病床前",
            "民警护送迷路老人回家",
            "邻居们出钱出力帮他修好房子",
        ),
        "en": (
            "Firefighters rescue every trapped resident overnight",
            "Delivery rider returns lost wallet with all the cash",
            "Volunteers keep the neighbourhood running",
            "Doctor stays by patient for three days",
            "Police officer walks lost grandfather home",
            "Neighbours rebuild family home for free",
        ),
    },
    "fear": {
        "zh": (
            "台风逼近 沿海居民紧急撤离",
            "深夜山体滑坡 村民惊魂一刻",
            "暴雨致地铁进水 乘客被困",
            "森林大火逼近城镇",
            "小区频现陌生人徘徊 居民不敢出门",
            "地震瞬间监控画面曝光",
        ),
        "en": (
            "Typhoon nears as coastal towns evacuate",
            "Landslide hits village in the night",
            "Passengers trapped as floodwater enters subway",
            "Wildfire closes in on the town",
            "Residents afraid to go out after strange sightings",
            "Security camera captures the moment the quake hit",
        ),
    },
    "surprise": {
        "zh": (
            "装修时墙里挖出百年前的信",
            "路边捡的石头竟是陨石",
            "天空突现奇异光圈",
            "小狗走失半年自己找回了家",
            "彩票店老板发现中奖者是自己",
            "百岁老人考取驾照",
        ),
        "en": (
            "Builders find a century-old letter inside a wall",
            "Stone picked up by the road turns out to be a meteorite",
            "Strange ring of light appears in the sky",
            "Lost dog finds its own way home",
            "Shop owner discovers he sold himself the winning ticket",
            "100-year-old passes her driving test",
        ),
    },
    "sadness": {
        "zh": (
            "老人独自在车站等了一整天",
            "动物园明星大象离世",
            "最后一家老书店关门",
            "洪水过后 家园只剩废墟",
            "春节回不了家的外卖骑手",
            "他把一生积蓄捐给了山区",
        ),
        "en": (
            "Elderly man waits all day at the station alone",
            "Zoo mourns its beloved elephant",
            "The city's last old bookshop closes its doors",
            "After the flood, only ruins remain",
            "Riders spend the new year far from home",
            "Town says goodbye to its oldest teacher",
        ),
    },
    "disgust": {
        "zh": (
            "后厨老鼠乱窜 网友看完吃不下饭",
            "餐馆回收剩菜再卖给顾客",
            "河道漂满垃圾 臭气熏天",
            "黑作坊用地沟油炸油条",
            "外卖里吃出虫子",
            "景区厕所脏乱无人管",
        ),
        "en": (
            "Rats filmed running through restaurant kitchen",
            "Restaurant caught reselling leftovers",
            "River choked with rubbish and sewage",
            "Illegal workshop fries snacks in gutter oil",
            "Customer finds insects in takeaway",
            "Tourist site toilets left filthy for weeks",
        ),
    },
    "anger": {
        "zh": (
            "司机恶意别车还动手打人",
            "房东寒冬驱赶租户 一家人流落街头",
            "商家售假拒不退款",
            "工资拖欠半年 工人讨薪被打",
            "熊孩子砸车 家长拒绝道歉",
            "景区天价收费 游客怒了",
        ),
        "en": (
            "Driver cuts off car then attacks its owner",
            "Landlord evicts family in the middle of winter",
            "Shop sells fakes and refuses refunds",
            "Workers unpaid for six months beaten",
            "Parents refuse to apologise after child smashes car",
            "Tourists furious over sky-high entry fees",
        ),
    },
    "anticipation": {
        "zh": (
            "倒计时三天 新地铁线即将开通",
            "今晚火箭发射 全城等待",
            "演唱会门票明天开抢",
            "高考倒计时 考生做最后冲刺",
            "新大桥合龙在即",
            "春运首日 游子准备回家",
        ),
        "en": (
            "Countdown begins for new subway line",
            "City waits for tonight's rocket launch",
            "Concert tickets go on sale tomorrow",
            "Students make a final push before exams",
            "New bridge is days from completion",
            "Travellers get ready for the holiday rush",
        ),
    },
}

NEUTRAL_TITLES: dict[Lang, tuple[str, ...]] = {
    "zh": (
        "今日要闻速览",
        "这段视频你怎么看？",
        "本地新闻一分钟",
        "记者带你看现场",
        "一起来看看发生了什么",
        "周末天气预报",
    ),
    "en": (
        "Today's headlines in one minute",
        "What do you think of this video?",
        "Local news roundup",
        "Our reporter at the scene",
        "Here is what happened today",
        "Weekend weather update",
    ),
}

HASHTAGS: dict[str, tuple[str, ...]] = {
    "joy": ("正能量", "开心", "好消息"),
    "trust": ("暖心", "致敬", "正能量"),
    "fear": ("突发", "注意安全", "紧急"),
    "surprise": ("没想到", "奇闻", "意外"),
    "sadness": ("泪目", "致敬", "愿一切安好"),
    "disgust": ("曝光", "食品安全", "吐槽"),
    "anger": ("曝光", "维权", "气愤"),
    "anticipation": ("倒计时", "期待", "敬请关注"),
    "neutral": ("新闻", "热点", "社会"),
}

PLACES: tuple[str, ...] = ("杭州", "成都", "广州", "武汉", "西安", "深圳", "南京", "长沙")

# Account names of the synthetic crawl: news outlets and citizen reporters.
ACCOUNT_NAMES: tuple[str, ...] = (
    "新闻速递",
    "城市晚报",
    "身边事",
    "现场直击",
    "今日头条君",
    "小蔡看世界",
    "民生观察",
    "老王说新闻",
    "Daily Clip",
    "City Desk",
    "Street Reporter",
    "Morning Brief",
    "The Local Wire",
    "News Minute",
    "Eyewitness Now",
    "Metro Voices",
)

# Labels annotators wrote that are not on the wheel at all (the unknown_label item).
OFF_WHEEL_LABELS: tuple[str, ...] = ("nostalgia", "confusion", "怀旧", "困惑")
