from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_facts.sh.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_declaration_sha256 = resolve('declaration_sha256')
    l_0_version = resolve('version')
    l_0_health_commands = resolve('health_commands')
    l_0_logs = resolve('logs')
    l_0_machine = resolve('machine')
    l_0_provenance = resolve('provenance')
    l_0_load_hint = resolve('load_hint')
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    try:
        t_2 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    try:
        t_3 = environment.filters['sh_home']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'sh_home' found.")
    pass
    yield '# shellcheck disable=SC2034,SC2016,SC2088,SC1003  # facts: read by the library above; literal values\nset -u\numask 022\n\n# --- facts: agent '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ' as declared ---------------------------------\n'
    template = environment.get_template('_facts_run.sh.j2', '_facts.sh.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield 'LABEL='
    yield str(t_2(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'label'), 'label'))
    yield '\nSCOPE='
    yield str(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'scope'))
    yield '\nENABLED='
    yield str(('yes' if environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'enable') else 'no'))
    yield '\nRUN_AT_LOAD='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'run_at_load') else 'no'))
    yield '\nKEEPALIVE_WAIVED='
    yield str(('yes' if ('unbounded-keepalive' in environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'waivers')) else 'no'))
    yield '\nDECLARATION_SHA256='
    yield str(t_2(context, (undefined(name='declaration_sha256') if l_0_declaration_sha256 is missing else l_0_declaration_sha256), 'declaration'))
    yield '\nAGENTC_VERSION='
    yield str(t_2(context, (undefined(name='version') if l_0_version is missing else l_0_version), 'version'))
    yield '\nHEALTH_TYPE='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'type'))
    yield '\nHEALTH_COMMAND_LAUNCHD='
    yield str(t_2(context, environment.getattr((undefined(name='health_commands') if l_0_health_commands is missing else l_0_health_commands), 'launchd'), 'health.command'))
    yield '\nHEALTH_COMMAND_SYSTEMD='
    yield str(t_2(context, environment.getattr((undefined(name='health_commands') if l_0_health_commands is missing else l_0_health_commands), 'systemd'), 'health.command'))
    yield '\nOWNER_PROJECT='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'project'), 'owner.project'))
    yield '\nOWNER_COMPONENT='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'component'), 'owner.component'))
    yield '\nOWNER_CONTACT='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'contact'), 'owner.contact'))
    yield '\nINSTALL_LAUNCHD_DIR='
    yield str(t_3(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'install'), 'launchd_dir') or ''), 'install.launchdDir'))
    yield '\nINSTALL_SYSTEMD_DIR='
    yield str(t_3(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'install'), 'systemd_dir') or ''), 'install.systemdDir'))
    yield '\nLOG_OUT_LAUNCHD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'stdout'), 'logs.stdout'))
    yield '\nLOG_ERR_LAUNCHD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'stderr'), 'logs.stderr'))
    yield '\nLOG_OUT_SYSTEMD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'stdout'), 'logs.stdout'))
    yield '\nLOG_ERR_SYSTEMD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'stderr'), 'logs.stderr'))
    yield '\nCAPTURE_RUNTIME_STATE='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_runtime_state') else 'no'))
    yield '\nCAPTURE_IMAGE_METADATA='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_image_metadata') else 'no'))
    yield '\nCAPTURE_SERVICE_DEFINITION='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_service_definition') else 'no'))
    yield '\nCAPTURE_LOGS='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_logs') else 'no'))
    yield '\nCAPTURE_REDACTED_AUTH_CONFIG='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_redacted_auth_config') else 'no'))
    yield '\n'
    if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
        pass
        yield 'SOURCE_IMAGE='
        yield str(t_2(context, (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'source_image') or ''), 'sourceImage'))
        yield '\nREQUIRE_MACHINE_LAUNCHD='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'launchd'), 'require_machine') else 'no'))
        yield '\nREQUIRE_MACHINE_SYSTEMD='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'systemd'), 'require_machine') else 'no'))
        yield '\nREQUIRE_LOCAL_IMAGE='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'require_local_image') else 'no'))
        yield '\nPULL_AUTH='
        yield str(environment.getattr((undefined(name='provenance') if l_0_provenance is missing else l_0_provenance), 'pullAuth'))
        yield '\nLOAD_HINT='
        yield str(t_2(context, (undefined(name='load_hint') if l_0_load_hint is missing else l_0_load_hint), 'image'))
        yield '\n'
    else:
        pass
        yield "SOURCE_IMAGE=''\nREQUIRE_MACHINE_LAUNCHD=no\nREQUIRE_MACHINE_SYSTEMD=no\nREQUIRE_LOCAL_IMAGE=no\nPULL_AUTH=''\nLOAD_HINT=''\n"

blocks = {}
debug_info = '7=38&8=40&9=47&10=49&11=51&12=53&13=55&14=57&15=59&16=61&17=63&18=65&19=67&20=69&21=71&22=73&23=75&24=77&25=79&26=81&27=83&28=85&29=87&30=89&31=91&32=93&33=95&34=98&35=100&36=102&37=104&38=106&39=108'