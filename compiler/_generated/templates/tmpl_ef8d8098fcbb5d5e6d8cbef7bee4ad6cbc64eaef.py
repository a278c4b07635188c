from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'agentctl.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_source = resolve('source')
    l_0_facts = resolve('facts')
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    pass
    yield '# ==== this agent: '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ', compiled from '
    yield str(t_1(context, (undefined(name='source') if l_0_source is missing else l_0_source), 'source'))
    yield ' ====\n'
    yield str((undefined(name='facts') if l_0_facts is missing else l_0_facts))
    yield '\nagentctl_main ${1+"$@"}\n'

blocks = {}
debug_info = '3=21&4=25'