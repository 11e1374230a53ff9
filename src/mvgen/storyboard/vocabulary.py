"""The prompt words mvgen understands (English and Chinese), and what each one asks for.

One table per part of a look: environment (a generated backdrop), effects,
camera move, camera style, pace, palette (colour grade) and depth (2.5D).
English terms match at word starts (``"glitter"`` matches "glittering"),
Chinese ones by substring. docs/prompts.md lists them for users; a test keeps
the two in step.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    name: str
    en: tuple[str, ...]
    zh: tuple[str, ...] = ()


ENVIRONMENTS: tuple[Term, ...] = (
    Term("aurora", ("aurora", "northern lights", "arctic", "polar night"), ("极光", "北极")),
    Term("starfield", ("starfield", "stars", "starry", "nebula", "galaxy", "cosmos", "outer space",
                       "deep space"), ("星空", "星云", "银河", "宇宙", "太空")),
    Term("neon_city", ("neon city", "cyberpunk", "city lights", "city at night", "bokeh",
                       "synthwave", "neon grid", "night city"),
         ("赛博", "城市夜景", "都市", "霓虹城市")),
    Term("rain_glass", ("rain on glass", "rainy window", "window rain", "raindrops on",
                        "wet window"), ("雨窗", "窗外下雨", "玻璃上的雨")),
    Term("snowfall", ("snowfall", "snowy", "blizzard", "winter night", "snowstorm"),
         ("雪夜", "暴风雪", "下雪天")),
    Term("golden_hour", ("golden hour", "sunset", "sunrise", "dusk", "dawn", "sun flare"),
         ("夕阳", "日落", "日出", "黄昏", "晚霞")),
    Term("underwater", ("underwater", "under water", "ocean floor", "under the sea", "deep sea",
                        "caustics"), ("水下", "海底", "深海")),
    Term("embers", ("embers", "bonfire", "campfire", "inferno", "flames", "burning"),
         ("余烬", "篝火", "火焰", "燃烧")),
)  # fmt: skip

EFFECTS: tuple[Term, ...] = (
    Term("particles", ("particles", "glitter", "sparkle", "sparkling", "twinkl", "stardust",
                       "bokeh particles"), ("粒子", "闪光", "闪烁", "星尘")),
    Term("snow", ("snow", "snowflake", "snowing"), ("雪", "雪花")),
    Term("rain", ("rain", "raining", "rainy", "downpour", "storm"), ("雨", "下雨", "暴雨")),
    Term("sparks", ("sparks", "sparkler", "fireworks"), ("火花", "烟花", "烟火")),
    Term("fireflies", ("fireflies", "firefly", "glowing orbs", "lanterns"), ("萤火虫", "灯笼")),
    Term("petals", ("petals", "cherry blossom", "sakura", "flower rain", "blossom"),
         ("花瓣", "樱花", "落花")),
    Term("fog", ("fog", "foggy", "mist", "misty", "haze", "smoke"), ("雾", "烟雾", "薄雾")),
    Term("light_leak", ("light leak", "light leaks", "lomo", "sun leak"), ("漏光",)),
    Term("lens_flare", ("lens flare", "flare", "anamorphic"), ("光晕", "镜头光斑", "眩光")),
    Term("bloom", ("bloom", "glow", "glowing", "dreamy glow", "halation"),
         ("泛光", "辉光", "光芒")),
    Term("film_grain", ("film grain", "grain", "grainy", "16mm", "8mm", "super 8", "celluloid",
                        "film look", "analog film"), ("胶片", "颗粒", "噪点", "老电影")),
    Term("glitch", ("glitch", "glitchy", "datamosh", "digital distortion", "rgb split"),
         ("故障", "故障风", "失真")),
    Term("vhs", ("vhs", "vcr", "camcorder", "tape", "videotape", "retro tv"), ("录像带", "老电视")),
    Term("chromatic", ("chromatic aberration", "chromatic", "prism", "color fringe",
                       "colour fringe"), ("色差", "棱镜")),
    Term("kaleidoscope", ("kaleidoscope", "mirror", "mirrored", "symmetry", "psychedelic",
                          "trippy"), ("万花筒", "镜像", "迷幻")),
    Term("strobe", ("strobe", "strobing", "flashing lights", "rave"), ("频闪", "闪光灯")),
    Term("zoom_punch", ("zoom punch", "punch in", "drop", "impact", "hard hitting", "bass drop"),
         ("冲击", "重拍", "爆点")),
)  # fmt: skip

CAMERAS: tuple[Term, ...] = (
    Term("push_in", ("push in", "pushing in", "pushes in", "zoom in", "zooming in", "dolly in",
                     "move closer", "close in"), ("推进", "推近", "拉近")),
    Term("pull_out", ("pull out", "pulling out", "pulls out", "pull back", "pulling back",
                      "pulls back", "pull-out",
                      "zoom out", "zooming out", "dolly out", "reveal"), ("拉远", "拉出", "后退")),
    Term("pan_left", ("pan left", "panning left", "pans left"), ("左移", "向左")),
    Term("pan_right", ("pan right", "panning right", "pans right", "panning", "tracking shot"),
         ("右移", "向右", "平移")),
    Term("tilt_up", ("tilt up", "tilting up", "crane up", "rise", "rising"), ("上摇", "升起")),
    Term("tilt_down", ("tilt down", "tilting down", "crane down", "descend"), ("下摇", "下降")),
)  # fmt: skip

CAMERA_STYLES: tuple[Term, ...] = (
    Term("handheld", ("handheld", "hand-held", "hand held", "shaky", "documentary",
                      "found footage"), ("手持", "晃动", "纪录片")),
    Term("smooth", ("smooth", "steady", "steadicam", "gimbal", "tripod"), ("平稳", "稳定")),
)  # fmt: skip

PACES: tuple[Term, ...] = (
    Term("slow", ("slow", "slowly", "calm", "gentle", "gently", "serene", "peaceful", "lazy",
                  "dreamy", "floating"), ("缓慢", "慢", "平静", "宁静", "温柔")),
    Term("fast", ("fast", "quick", "rapid", "frantic", "energetic", "intense", "aggressive",
                  "hyper", "punchy"), ("快速", "快", "激烈", "动感", "节奏感")),
)  # fmt: skip

# Checked in this order: the most explicit looks first (a "neon night in black
# and white" is black and white).
PALETTES: tuple[Term, ...] = (
    Term("bw", ("black and white", "black & white", "b&w", "b/w", "monochrome", "grayscale",
                "greyscale", "noir"), ("黑白", "单色", "灰度")),
    Term("neon", ("neon", "cyberpunk", "synthwave", "vaporwave", "nightclub", "club", "rave",
                  "disco", "laser"), ("霓虹", "赛博", "夜店", "迪斯科", "电音")),
    Term("vintage", ("vintage", "retro", "nostalgi", "sepia", "old film", "film grain", "analog",
                     "70s", "80s", "90s", "polaroid", "old", "vhs"),
         ("复古", "怀旧", "老电影", "胶片", "旧")),
    Term("dreamy", ("dream", "ethereal", "fairy", "fairytale", "soft", "heaven", "angel", "magic",
                    "romantic"), ("梦", "仙", "柔", "浪漫", "童话", "天堂")),
    Term("cold", ("cold", "winter", "ice", "icy", "snow", "frozen", "frost", "blue", "rainy",
                  "lonely", "sad", "moonlight", "arctic", "underwater"),
         ("冷", "冬", "冰", "雪", "蓝", "雨", "孤独", "忧伤", "月光", "北极")),
    Term("warm", ("warm", "sunset", "sunrise", "summer", "golden", "gold", "sunny", "sunshine",
                  "cozy", "fire", "autumn", "beach", "embers"),
         ("暖", "夏", "夕阳", "日落", "阳光", "金", "秋", "温馨")),
)  # fmt: skip

DEPTH: tuple[str, ...] = ("2.5d", "2.5 d", "parallax", "layered", "cut out", "cutout", "3d",
                          "depth", "pop out", "in front of")  # fmt: skip
DEPTH_ZH: tuple[str, ...] = ("2.5d", "视差", "分层", "立体", "景深", "抠像")

STRONG: tuple[str, ...] = ("heavy", "heavily", "strong", "intense", "lots of", "many", "thick",
                           "extreme", "massive", "dense", "浓", "强", "大量", "厚")  # fmt: skip
SUBTLE: tuple[str, ...] = ("subtle", "light", "slight", "soft", "a bit of", "a little", "faint",
                           "gentle", "touch of", "淡", "轻", "微", "少许")  # fmt: skip

ALL_TABLES: dict[str, tuple[Term, ...]] = {
    "environment": ENVIRONMENTS,
    "effect": EFFECTS,
    "camera": CAMERAS,
    "camera_style": CAMERA_STYLES,
    "pace": PACES,
    "palette": PALETTES,
}
