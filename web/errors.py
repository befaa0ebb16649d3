"""Error pages in the reader's language, never a traceback; service refusals mapped to HTTP codes."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workflow.errors import Conflict, CunwuError, InputError, NotFound, PermissionDenied

TITLES = {
    400: _l("请求无效"), 401: _l("需要登录"), 403: _l("无权访问"), 404: _l("页面不存在"),
    405: _l("不支持的请求方式"), 409: _l("文书已被他人办理"), 413: _l("上传的文件过大"), 422: _l("无法办理"),
    429: _l("请求过于频繁"), 500: _l("服务器内部错误"), 503: _l("暂时无法提供"),
}


def status_of(exc: CunwuError) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InputError):
        return 400
    return 422


def page(status: int, message: str = "", reasons: tuple[str, ...] = ()):
    return render_template("error.html", status=status, title=TITLES.get(status) or _("出错了"),
                           message=message, reasons=reasons), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return page(400, _("表单已过期或缺少安全令牌，请刷新页面后重试"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return page(exc.code or 500)

    @app.errorhandler(CunwuError)
    def cunwu_error(exc: CunwuError):
        return page(status_of(exc), exc.message or str(exc), exc.reasons)

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        app.logger.exception("unhandled error")
        return page(500, _("未作任何更改；请稍后重试或联系管理员"))
