"""One settings object (``MVGEN_*`` environment); the only module that reads os.environ."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration passed down to every stage; never read from globals."""

    model_config = SettingsConfigDict(env_prefix="MVGEN_", extra="ignore")

    home: Path = Path(".mvgen")
    artifacts: Path | None = None  # where files live (a shared volume in scale-out); None: home
    fps_num: int = 30  # 30 fps: a beat lands within 16.7 ms of a frame edge
    fps_den: int = 1
    shot_min_seconds: float = 2.0
    shot_max_seconds: float = 8.0
    renderer: str = "procedural"
    # OpenCV threads of the procedural renderer (process-wide; 0 = OpenCV's default). One:
    # x264 already keeps every core busy, and a second thread cost ~20 % more CPU a frame.
    render_threads: int = 1
    x264_preset: str = "veryfast"
    x264_crf: int = 20
    audio_bitrate: str = "192k"  # the song when it is not AAC-LC already (that is copied)
    ffmpeg_timeout_s: float = 900.0
    whisper_model: Path | None = None  # CTranslate2 folder; None = bundled tiny.en
    allow_private_urls: bool = False
    fetch_timeout_s: float = 30.0
    workers: int = 2
    # --- HTTP service (api/, store/, jobs/) ---
    environment: str = "development"  # development | production (refuses the default secret)
    secret_key: str = "mvgen-development-secret-change-me"  # signs URLs, derives API tokens
    database_url: str | None = None  # None = SQLite file <home>/mvgen.db (WAL)
    base_url: str = "http://127.0.0.1:8000"  # public origin used in signed_url fields
    signed_url_ttl_s: int = 7 * 24 * 3600
    # Request body cap (413 beyond). The contract's own limits allow 7 images < 10 MB and
    # audio < 20 MB as base64 (~120 MB of JSON), so the default must not be lower.
    max_body_bytes: int = 128 * 1024 * 1024
    max_active_tasks_per_key: int = 4  # created/processing tasks per key before 429
    # Request guard (api/guard.py, docs/security.md): bodies above ``large_body_bytes`` are
    # spooled to disk and need one of ``max_large_bodies`` slots (and one of the key's own),
    # waited for up to ``body_slot_wait_s``, then 429; ``rate_limit_per_min`` requests per key
    # and minute (0 = off) before 429 with Retry-After.
    large_body_bytes: int = 1024 * 1024
    max_large_bodies: int = 2
    max_large_bodies_per_key: int = 1
    body_slot_wait_s: float = 30.0
    rate_limit_per_min: int = 600
    job_max_attempts: int = 3  # a job interrupted more often than this fails
    scheduler_poll_s: float = 0.25  # how often the embedded pool looks for new jobs
    callback_access_key: str = "vidu"  # X-HMAC-ACCESS-KEY of callbacks (the vendor's value)
    worker_nice: int = 10  # niceness of render workers: polls stay fast while renders run
    worker_sched_idle: bool = True  # Linux: workers run only on CPU the API leaves idle
    strict_fields: bool = False  # refuse unknown request fields (FieldUnwanted) instead of ignoring
    # --- scale-out (jobs/celery.py, docs/deploy.md) ---
    broker_url: str | None = None  # redis://...: Celery workers render; the API starts no pool
    job_heartbeat_s: float = 5.0  # a running job's worker touches its row this often
    job_stale_s: float = 30.0  # no heartbeat for this long: the worker is gone, re-queue the job
    dispatch_after_s: float = 5.0  # a job/callback committed but not sent after this: (re)send
    redispatch_s: float = 600.0  # sent but still waiting after this (message lost?): send again
    api_switch_interval_ms: float = 0.5  # the API process's GIL switch interval (polls vs uploads)
    sweep_every_s: float = 5.0  # how often stale jobs and unsent work are looked for
    # The API's janitor (jobs/janitor.py): stuck tasks settled, orphan files removed, at
    # start-up and this often (0 = never); temporaries younger than the grace are left alone.
    orphan_sweep_every_s: float = 600.0
    orphan_grace_s: float = 600.0
    broker_visibility_timeout_s: int = 6 * 3600  # > the longest job (Redis redelivery)
    gpu_renderers: str = "diffusers"  # renderers whose shots go to the ``gpu`` queue (comma list)
    # --- lip-sync (lipsync/, docs/backends.md) ---
    lipsync_engine: str = "warp"  # warp (built-in CPU mouth warp) | a neural engine's name
    lipsync_model: Path | None = None  # local weights folder of the neural engine
    # --- generative shots (render/diffusers.py, `gpu` extra; docs/backends.md) ---
    renderer_high: str = ""  # renderer for quality=high requests ("" = MVGEN_RENDERER)
    i2v_model: Path | None = None  # local diffusers image-to-video folder (model_index.json)
    i2v_pipeline: str = ""  # pipeline class; "" = the folder's model_index.json _class_name
    i2v_device: str = "cuda"  # cuda | cuda:N | cpu (cpu only with i2v_allow_cpu)
    i2v_allow_cpu: bool = False  # CPU generation is minutes per frame on real weights
    i2v_dtype: str = "auto"  # auto (bfloat16 on GPU, float32 on CPU) | bfloat16 | float16 | float32
    i2v_offload: str = "none"  # none | model | sequential (accelerate CPU offload)
    i2v_vae_tiling: bool = True  # decode in tiles: large frames fit in less VRAM
    i2v_vae_slicing: bool = False
    i2v_attention: str = ""  # diffusers attention backend, e.g. flash, sage, _native_cudnn
    i2v_steps: int = 30
    i2v_guidance: float = 5.0
    i2v_max_area: int = 832 * 480  # generated pixels per frame (then resized to the frame)
    i2v_fps: int | None = None  # the model's native fps (None = the pipeline class's default)
    i2v_max_frames: int | None = None  # frames per generated clip (None = the class's default)
    # optional keyframe step (render/keyframe.py): image-to-image of the reference per shot
    keyframe_model: Path | None = None  # local diffusers img2img / Kontext folder; None = off
    keyframe_strength: float = 0.6  # how far from the photo (0 = unchanged, 1 = prompt only)
    keyframe_steps: int = 30
    keyframe_guidance: float = 5.0
    # --- storyboard writer (storyboard/writer.py) ---
    writer: str = "template"  # template | openai (an OpenAI-compatible chat endpoint)
    writer_url: str | None = None  # e.g. http://127.0.0.1:8080/v1 (llama.cpp, vLLM)
    writer_model: str = "local"
    writer_api_key: str | None = None
    writer_timeout_s: float = 30.0

    @property
    def fps(self) -> Fraction:
        return Fraction(self.fps_num, self.fps_den)
