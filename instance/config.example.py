# formsvc 配置示例 —— 复制为 instance/config.py 后按需修改（instance/config.py 不进入版本库）。
#
# 读取顺序（后者覆盖前者）：
#   1. formsvc/config.py 中的默认值
#   2. instance/config.py（本文件的副本，可选）
#   3. 环境变量 FORMSVC_<键名>，值按 JSON 解析（如 FORMSVC_TIME_LIMITS='{"zx": 3}'）；
#      以及 DATABASE_URL
# 每一项都可省略；省略即用默认值。

# 实例目录（本文件、SQLite 数据库、附件、邮件、自动生成的密钥都在其中）。默认为仓库中的 instance/；
# 它在读取本文件之前就已确定，只能用环境变量 FORMSVC_INSTANCE_PATH 修改：
# INSTANCE_PATH = "/var/lib/formsvc"

# --- 密钥 -------------------------------------------------------------------------------
# 用于会话 Cookie 和表单 CSRF 令牌。不设置时自动生成并保存在 instance/secret_key（单机够用）；
# 多台服务器共用一个数据库时，各台必须设置相同的值（FORMSVC_SECRET_KEY）。
# SECRET_KEY = "请替换为 64 位随机字符串：python -c 'import secrets; print(secrets.token_hex(32))'"
# 查询码散列（HMAC-SHA256）的密钥；不设置时用 SECRET_KEY。更改后已发出的查询码全部失效，
# 恢复备份时必须与原服务器相同
# QUERY_CODE_KEY = "另一个 64 位随机字符串"

# --- 数据库 -----------------------------------------------------------------------------
# 默认：instance/formsvc.sqlite3（WAL 模式，外键约束开启）。
# PostgreSQL（生产环境推荐），也可用环境变量 DATABASE_URL：
# DATABASE_URL = "postgresql+psycopg://formsvc:密码@127.0.0.1:5432/formsvc"
# 流复制备库（只读，见 docs/deploy.md）：公开的来信列表、来信详情和统计从这里读；
# 写入、群众刚办完事后的查询和工作台仍读主库。不设置则全部读 DATABASE_URL。也可用环境变量。
# DATABASE_REPLICA_URL = "postgresql+psycopg://formsvc:密码@10.0.0.12:5432/formsvc"

# --- 文件位置 ---------------------------------------------------------------------------
# 附件保存目录：在网站根目录之外，文件名随机，永不对公众提供下载。默认 instance/uploads
# UPLOAD_DIR = "/var/lib/formsvc/uploads"
# 节假日补充文件（国务院公布次年安排后、chinesecalendar 尚未收录时填写）。默认 instance/holidays.yml，
# 格式见 instance/holidays.example.yml 和 docs/formsvc.md
# HOLIDAYS_FILE = "/etc/formsvc/holidays.yml"
# 与静态站点共用的内容、模板和站点设置（默认为仓库中的位置，一般不需要改）
# CONTENT_DIR = "/srv/portal/content"
# OUTPUT_DIR = "/srv/portal/output"
# THEME_TEMPLATES = "/srv/portal/theme/templates"
# THEME_STATIC = "/srv/portal/theme/static"
# PELICANCONF = "/srv/portal/pelicanconf.py"
# 公开时不隐去的本县公开号码：各部门电话、传真（content/departments.yml）和网站联系电话
# （pelicanconf FOOTER）之外的热线等
# HOTLINE = "0123-12345"
# PUBLIC_NUMBERS = ("12345",)
# 站内搜索：构建生成的站点索引（默认 OUTPUT_DIR/_search），以及 formsvc 自己维护的公开信件索引
# （默认 instance/search-letters；恢复备份后自动重建，也可运行 reindex-letters）
# SEARCH_INDEX_DIR = "/srv/portal/output/_search"
# SEARCH_LETTERS_DIR = "/var/lib/formsvc/search-letters"

# --- 答复时限（工作日）-------------------------------------------------------------------
# 默认：咨询 zx 5、建议 jy 10、投诉 ts 10、投资咨询 tz 5、依申请公开 ysqgk 20（法定，勿改短）。
# 各地规定不同，按本地制度覆盖：
# TIME_LIMITS = {"zx": 3, "ts": 15}
# 依申请公开可延长的工作日数（《政府信息公开条例》第三十三条：不超过 20）
# EXTENSION_LIMITS = {"ysqgk": 20}

# --- 附件 -------------------------------------------------------------------------------
# MAX_ATTACHMENTS = 3
# MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# 整个请求的上限；超过时返回 413（中文提示）
# MAX_CONTENT_LENGTH = 3 * 5 * 1024 * 1024 + 512 * 1024

# --- 文字长度（字）-----------------------------------------------------------------------
# NAME_MAX = 50
# SUBJECT_MAX = 100
# CONTENT_MIN = 10
# CONTENT_MAX = 2000

# --- 频率限制（按客户端地址）-------------------------------------------------------------
# 单机默认保存在内存中；多个 gunicorn 进程时必须用 Redis，否则各进程各算各的：
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
# 提交留言（网页与 API 共用额度）
# SUBMIT_RATE_LIMIT = "10 per hour;30 per day"
# 查询进度和评价（防止猜测查询码）
# TRACK_RATE_LIMIT = "20 per minute;200 per day"
# 网上调查：每个地址对所有调查的提交频率，以及每个地址对同一调查每天的答卷数
# （同一单位、学校、小区共用一个出口地址时会有多人答卷，不宜设得太小；见 docs/surveys.md）
# SURVEY_RATE_LIMIT = "10 per minute;200 per day"
# SURVEY_ANSWERS_PER_ADDRESS = "20 per day"
# 每个 API 密钥的默认频率限制（创建密钥时未单独指定时使用），代替按地址的限制
# API_KEY_RATE_LIMIT = "3000 per minute;200000 per day"
# 12345 工单的办理期限从 12345 受理时间起算；受理时间晚于本系统收到工单的时间或早于这么多天前时不采用，
# 改从本系统收到之日起算，办理过程中写明原因
# WORK_ORDER_MAX_AGE_DAYS = 7
# 位于 nginx 等反向代理之后时，填写代理层数，才能取得真实的客户端地址
# PROXY_COUNT = 1
# 设为 False 时不限频（只用于测试）
# RATELIMIT_ENABLED = True
# Redis 无法连接时放行请求并记录日志（限频只是减速，不应因此丢失留言）
# RATELIMIT_SWALLOW_ERRORS = True
# 不发送 X-RateLimit-* 响应头（429 仍带 Retry-After）；开启会让每次受限请求多两次 Redis 往返
# RATELIMIT_HEADERS_ENABLED = False

# --- 个人信息保存期限（月）——与 content/pages/privacy.md 一致，由 purge-personal-data 执行 ----------
# IP 地址
# RETENTION_IP_MONTHS = 6
# 办结后的姓名、联系方式和附件
# RETENTION_MESSAGE_MONTHS = 36
# 依申请公开（政府信息公开工作档案 10 年）
# RETENTION_DISCLOSURE_MONTHS = 120

# --- 重复提交 ---------------------------------------------------------------------------
# 同一电话在此时间内提交相同内容：照常保存，标记为重复
# DUPLICATE_WINDOW_HOURS = 24

# --- 通知（写入 outbox 表，由 send-mail 命令投递）-------------------------------------------------
# 未选择办理单位（“不确定”）或单位未登记邮箱时，新留言通知发给分办人员
# DISPATCHER_EMAIL = "12345@shifan.gov.cn"
# 督办通知（超期汇总、群众不满意）除发给督办员账户的邮箱外，另发此信箱
# SUPERVISOR_EMAIL = "duban@shifan.gov.cn"
# MAIL_FROM = "noreply@shifan.gov.cn"
# 每日内容检查（check-content 命令，formsvc-check-content.timer）把错误和警告发给这些编辑
# CHECK_MAIL_TO = ["bianji@shifan.gov.cn", "zwgk@shifan.gov.cn"]
# 配置 MAIL_SERVER 即用 SMTP 发送；不配置时 send-mail 把邮件写成 .eml 文件放在 instance/mail/
# MAIL_SERVER = "smtp.shifan.gov.cn"
# MAIL_PORT = 587
# MAIL_STARTTLS = True
# MAIL_USERNAME = "noreply@shifan.gov.cn"
# MAIL_PASSWORD = "…"（最好用环境变量 FORMSVC_MAIL_PASSWORD）
# MAIL_BACKEND = "console"   # 只写日志，不发送
# MAIL_FILE_DIR = "/var/spool/formsvc-mail"
# 发送失败后 1、2、4……分钟重试，最长间隔 MAIL_BACKOFF_MAX_MINUTES，失败 MAIL_MAX_ATTEMPTS 次后放弃
# MAIL_MAX_ATTEMPTS = 8
# MAIL_BACKOFF_MINUTES = 1
# MAIL_BACKOFF_MAX_MINUTES = 240
# 短信通知（提交人勾选“短信通知”并留手机号时发送受理回执、答复提醒、补正通知），send-mail 一并发送，
# 重试和间隔用短信自己的设置（见下）。SMS_BACKEND = "http" 时调用短信网关，不配置时写成 .txt 文件放在 instance/sms/
# SMS_BACKEND = "http"          # "file"（默认）、"console"（只写日志）
# SMS_GATEWAY_URL = "https://sms.example.gov.cn/api/send"
# SMS_APP_KEY = "…"
# SMS_APP_SECRET = "…"（只用环境变量 FORMSVC_SMS_APP_SECRET，不要写进文件）
# SMS_SIGN_NAME = "示范县人民政府"
# SMS_TEMPLATES = {"receipt": "SMS_0001", "reply": "SMS_0002", "correction_requested": "SMS_0003"}
# SMS_TIMEOUT_SECONDS = 10
# 短信的重试：失败后 1、2、4……分钟重试（最长间隔 SMS_BACKOFF_MAX_MINUTES），共 SMS_MAX_ATTEMPTS 次；
# 网关答复 SMS_PERMANENT_CODES 中的代码（号码无效等）时立即放弃，不再重试
# SMS_MAX_ATTEMPTS = 5
# SMS_BACKOFF_MINUTES = 1
# SMS_BACKOFF_MAX_MINUTES = 30
# SMS_PERMANENT_CODES = ["isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT"]
# SMS_FILE_DIR = "/var/spool/formsvc-sms"

# --- 工作台 -----------------------------------------------------------------------------
# 距答复期限不超过几个工作日算“即将到期”
# DUE_SOON_DAYS = 2
# 统计期间收件少于此数的单位不参与排名
# STATS_MIN_COUNT = 5
# 月度通报 PDF 使用的中文字体文件（TTF、OTF 或 TTC 字体集；默认 Debian 的 fonts-noto-cjk）及字体集中的序号
# REPORT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
# REPORT_FONT_INDEX = 2
# 已结束月份的通报 PDF 存放目录（supervision-report 命令重写；首次访问时生成）；默认 <instance>/tongbao
# REPORT_DIR = "/var/lib/formsvc/tongbao"
# 答复后多少个工作日未评价即自动办结（由 remind 命令执行）
# RATING_WINDOW_DAYS = 10
# 依申请公开告知补正时默认给申请人的补正期限（工作日）；逾期未补正视为放弃申请（由 remind 命令执行）
# CORRECTION_DAYS = 15
# 病毒检查命令：检查答复附件和补正材料，文件路径加在命令最后；退出码 0 为通过，1 为染毒，其他为无法检查（均拒收）
# VIRUS_SCAN_COMMAND = ["clamdscan", "--no-summary", "--fdpass"]
# 答复附件（公开的政府信息：PDF、Word、Excel 等）最多几个、每个多大
# MAX_REPLY_FILES = 10
# MAX_REPLY_FILE_BYTES = 20 * 1024 * 1024
# 答复邮件中的评价链接有效天数；链接地址的开头（默认 https:// 加 pelicanconf.py 的 SITE_DOMAIN）
# RATING_LINK_DAYS = 30
# PUBLIC_BASE_URL = "https://www.shifan.gov.cn"
# 连续输错密码几次锁定账户，锁定多少分钟
# LOGIN_MAX_FAILURES = 5
# LOGIN_LOCKOUT_MINUTES = 15
# LOGIN_RATE_LIMIT = "10 per minute;60 per hour"
# 工作台会话：闲置多少分钟、登录后多少小时失效
# STAFF_SESSION_IDLE_MINUTES = 30
# STAFF_SESSION_MAX_HOURS = 10

# --- 其他 -------------------------------------------------------------------------------
# 计算受理日期和期限所用的时区
# TIMEZONE = "Asia/Shanghai"
# 生产环境通过 HTTPS 访问时开启
# SESSION_COOKIE_SECURE = True
# （默认：非调试、非测试即开启；`make run` 在本机 http 上关闭）
# 仅当 formsvc 自己直接提供 HTTPS 时设置（生产环境由 nginx 发送 HSTS）
# HSTS_MAX_AGE = 0
# 会话 Cookie：脚本不可读、跨站请求不携带
# SESSION_COOKIE_HTTPONLY = True
# SESSION_COOKIE_SAMESITE = "Lax"
# 表单 CSRF 令牌的有效秒数（填写较长的依申请公开也够用）
# WTF_CSRF_TIME_LIMIT = 4 * 3600
# SQLite 写入等待锁的毫秒数，超时即显示“系统暂时无法访问数据库”页面
# SQLITE_BUSY_TIMEOUT_MS = 15000
# 工作人员操作审计日志：stderr、文件路径，或 "" 交给自定义的 logging 配置
# AUDIT_LOG = "stderr"
# 健康检查 /api/v1/healthz 等待数据库应答的秒数
# HEALTH_DB_TIMEOUT = 2.0
